import { createHash } from 'node:crypto'

// Error fingerprints (docs/logs.md): the same failure with different ids, numbers or names groups together.
// Order matters: quoted strings and uuids first, so their digits are not read as numbers.
const RULES: Array<[RegExp, string]> = [
  // A single quote inside a word is an apostrophe ("can't"), not the start of a string.
  [/"(?:[^"\\]|\\.)*"|(?<!\w)'(?:[^'\\]|\\.)*'(?!\w)|`[^`]*`/g, '<str>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // Hex ids: 8+ hex digits with at least one digit, so all-letter words such as "deadbeef" or "facade" stay.
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<hex>'],
  [/[-+]?\b\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, '<num>'],
]
const MAX_PATTERN_LENGTH = 300

/** The message with its variable parts replaced by placeholders, whitespace collapsed. */
export function normalizeMessage(message: string): string {
  let out = message
  for (const [pattern, placeholder] of RULES) out = out.replace(pattern, placeholder)
  out = out.replace(/\s+/g, ' ').trim()
  return out.length > MAX_PATTERN_LENGTH ? out.slice(0, MAX_PATTERN_LENGTH) : out
}

export interface Fingerprint {
  /** 16 hex digits of SHA-256 over component and pattern: a short, stable key. */
  id: string
  pattern: string
}

export function fingerprintOf(component: string | undefined, message: string): Fingerprint {
  const pattern = normalizeMessage(message)
  const id = createHash('sha256').update(`${component ?? ''}\x00${pattern}`).digest('hex').slice(0, 16)
  return { id, pattern }
}
