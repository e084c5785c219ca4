import type { LogLevel } from '../../../protocol/batch.js'
import { recordId } from '../keys.js'
import { tokenize } from '../tokenize.js'
import type { LogEntry, StoredLog } from '../types.js'

/** One log line as the block store keeps it: the stored record plus where it came from (its record id's parts). */
export interface BlockLine {
  ts: number
  dev: string
  ep: string
  seq: number
  k: number
  level: LogLevel
  message: string
  component?: string
  attrs?: Record<string, unknown>
  traceId?: string
  spanId?: string
  /** Memo of idOf. */
  id?: string
  /** Memo of lineTerms. */
  terms?: string[]
}

/** The record id (keys.ts), computed once per line. */
export function idOf(line: BlockLine): string {
  return (line.id ??= recordId(line.ts, line.dev, line.ep, line.seq, line.k))
}

/** The words of the message (tokenize.ts), computed once per line. */
export function lineTerms(line: BlockLine): string[] {
  return (line.terms ??= tokenize(line.message))
}

export function storedOf(line: BlockLine): StoredLog {
  const log: StoredLog = { ts: line.ts, device: line.dev, level: line.level, message: line.message }
  if (line.component !== undefined) log.component = line.component
  if (line.attrs !== undefined) log.attrs = line.attrs
  if (line.traceId !== undefined) log.traceId = line.traceId
  if (line.spanId !== undefined) log.spanId = line.spanId
  return log
}

export function entryOf(line: BlockLine): LogEntry {
  return {
    ts: line.ts, device: line.dev, level: line.level, component: line.component ?? null, message: line.message,
    attrs: line.attrs ?? {}, traceId: line.traceId ?? null, spanId: line.spanId ?? null,
  }
}
