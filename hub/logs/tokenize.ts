// Full-text terms (docs/logs.md): messages and `q` go through the same function, so whatever a query can name
// matches exactly what was indexed.

const WORD = /[\p{L}\p{N}]+/gu
const MIN_LENGTH = 2
/** Longer words are cut to this many characters, on both sides, so they still match. */
const MAX_LENGTH = 40
/** A 64 KiB line would otherwise cost thousands of index keys. */
export const MAX_TERMS_PER_RECORD = 200
/** Words so common in log lines that their postings would only cost space. */
const STOP_WORDS: ReadonlySet<string> = new Set([
  'an', 'and', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'has', 'in', 'is', 'it', 'of', 'on', 'or', 'the',
  'this', 'that', 'to', 'was', 'were', 'with',
])

/** Distinct lowercase words of `text`, in first-seen order, skipping short and stop words; at most `max`. */
export function tokenize(text: string, max = MAX_TERMS_PER_RECORD): string[] {
  const terms = new Set<string>()
  for (const match of text.toLowerCase().matchAll(WORD)) {
    const word = match[0]
    if (word.length < MIN_LENGTH || STOP_WORDS.has(word)) continue
    terms.add(word.length > MAX_LENGTH ? word.slice(0, MAX_LENGTH) : word)
    if (terms.size >= max) break
  }
  return [...terms]
}
