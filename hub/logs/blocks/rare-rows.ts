import { LOG_LEVELS } from '../../../protocol/batch.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import type { BlockLine } from './lines.js'

// The lines of a block's rare words (docs/logs.md, "Rare rows"). The summary names the rows of the words in at most
// a few rows of the block (summary.rare); each such row is also kept on its own in `l-brow`, once however many rare
// words it holds, so a search for a rare word reads those few small rows, all of a round's blocks in one read,
// instead of decompressing a 512-row page per hit. Columns are codes into the summary's dictionaries, as in a page.

/** What of a block's summary (block-codec.ts BlockSummary) rare rows need: its dictionaries and rare words. */
interface RareSummary {
  devices: string[]
  epochs?: string[]
  components: string[]
  rare?: Record<string, number[]>
}

/** `block key \0 row`: 6 digits, so a block's rows sort in order after its key and before its next sibling's. */
export function rareRowKey(blockKey: string, row: number): string {
  return `${blockKey}\x00${String(row).padStart(6, '0')}`
}

/** The rows the summary's rare words name, ascending, each once. */
export function rareRowsOf(summary: RareSummary): number[] {
  const rows = new Set<number>()
  for (const list of Object.values(summary.rare ?? {})) for (let i = 0; i < list.length; i += 2) rows.add(list[i])
  return [...rows].sort((a, b) => a - b)
}

type RareRow = [ts: number, dev: number, ep: number, seq: number, k: number, level: number, comp: number, message: string, attrs: Record<string, unknown> | null, traceId: string | null, spanId: string | null]

/** One line with its dictionary codes (dev and ep from 0, comp 0 for none else 1 + index), as the page stores it. */
export function encodeRareRow(line: BlockLine, dev: number, ep: number, comp: number): Uint8Array {
  const row: RareRow = [line.ts, dev, ep, line.seq, line.k, LOG_LEVELS.indexOf(line.level), comp, line.message, line.attrs ?? null, line.traceId ?? null, line.spanId ?? null]
  return encodeStored(row)
}

export function decodeRareRow(bytes: Uint8Array, summary: RareSummary): BlockLine {
  const [ts, dev, ep, seq, k, level, comp, message, attrs, traceId, spanId] = decodeStored<RareRow>(bytes)
  const line: BlockLine = { ts, dev: summary.devices[dev], ep: summary.epochs![ep], seq, k, level: LOG_LEVELS[level], message }
  if (comp !== 0) line.component = summary.components[comp - 1]
  if (attrs !== null) line.attrs = attrs
  if (traceId !== null) line.traceId = traceId
  if (spanId !== null) line.spanId = spanId
  return line
}
