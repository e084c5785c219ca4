import type { FileHandle } from 'node:fs/promises'

const CHUNK_BYTES = 64 * 1024
const NEWLINE = 0x0a

export interface ReadLine {
  text: string
  /** The line was longer than maxLineBytes and `text` holds its start only. */
  truncated: boolean
}

export interface ReadResult {
  lines: ReadLine[]
  /** Where the next unread line starts: just after the last complete line returned. */
  offset: number
}

export interface ReadOptions {
  maxLineBytes: number
  /** Stop after the line that brings the bytes consumed to this many (a long line is always read through). */
  budget: number
  /** The writer has moved on (the file was rotated): an unterminated last line counts as complete. */
  final: boolean
}

/**
 * Reads complete lines from `offset`. An unterminated last line is left for later unless `final`, so a line being
 * written is never split. A line over maxLineBytes keeps its first maxLineBytes (cut on a UTF-8 character
 * boundary); memory stays bounded by that plus one chunk however long the line. Empty lines are consumed silently.
 */
export async function readLines(handle: FileHandle, offset: number, options: ReadOptions): Promise<ReadResult> {
  const lines: ReadLine[] = []
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES)
  let committed = offset
  let pos = offset
  let kept: Buffer[] = []
  let keptBytes = 0
  let truncated = false
  const keep = (piece: Buffer) => {
    const room = options.maxLineBytes - keptBytes
    if (piece.length > room) truncated = true
    if (room <= 0) return
    const part = piece.length > room ? piece.subarray(0, room) : piece
    kept.push(Buffer.from(part))
    keptBytes += part.length
  }
  const finishLine = (end: number) => {
    let bytes = Buffer.concat(kept, keptBytes)
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1)
    if (truncated) bytes = bytes.subarray(0, utf8Boundary(bytes))
    if (bytes.length > 0 || truncated) lines.push({ text: bytes.toString('utf8'), truncated })
    kept = []
    keptBytes = 0
    truncated = false
    committed = end
  }
  while (committed - offset < options.budget) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, pos)
    if (bytesRead === 0) {
      if (options.final && pos > committed) finishLine(pos)
      break
    }
    let start = 0
    for (let nl = chunk.indexOf(NEWLINE, 0); nl !== -1 && nl < bytesRead; nl = chunk.indexOf(NEWLINE, start)) {
      keep(chunk.subarray(start, nl))
      finishLine(pos + nl + 1)
      start = nl + 1
      if (committed - offset >= options.budget) break
    }
    if (committed - offset >= options.budget) break
    keep(chunk.subarray(start, bytesRead))
    pos += bytesRead
  }
  return { lines, offset: committed }
}

/** Length of `bytes` without a UTF-8 character cut short at its end. */
function utf8Boundary(bytes: Buffer): number {
  let end = bytes.length
  let back = 0
  // Step back over continuation bytes (10xxxxxx) to the lead byte, and drop it if its character is incomplete.
  while (end - back - 1 >= 0 && back < 4 && (bytes[end - back - 1] & 0xc0) === 0x80) back++
  const lead = end - back - 1
  if (lead < 0) return end
  const b = bytes[lead]
  const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
  return need === back + 1 ? end : lead
}
