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
  return tokenizeAscii(text, max) ?? tokenizeUnicode(text, max)
}

function tokenizeUnicode(text: string, max: number): string[] {
  const terms = new Set<string>()
  for (const match of text.toLowerCase().matchAll(WORD)) {
    const word = match[0]
    if (word.length < MIN_LENGTH || STOP_WORDS.has(word)) continue
    terms.add(word.length > MAX_LENGTH ? word.slice(0, MAX_LENGTH) : word)
    if (terms.size >= max) break
  }
  return [...terms]
}

/**
 * The same words for a text of ASCII only, found by scanning char codes (sealing tokenizes every stored line, and
 * the regex allocates a match per word); undefined when the text holds anything else.
 */
function tokenizeAscii(text: string, max: number): string[] | undefined {
  const terms: string[] = []
  let start = -1
  let upper = false
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32
    if (c > 127) return undefined
    const digit = c >= 48 && c <= 57
    const capital = c >= 65 && c <= 90
    if (digit || capital || (c >= 97 && c <= 122)) {
      if (start < 0) {
        start = i
        upper = false
      }
      upper ||= capital
      continue
    }
    if (start < 0) continue
    const length = i - start
    if (length >= MIN_LENGTH) {
      let word = text.slice(start, length > MAX_LENGTH ? start + MAX_LENGTH : i)
      if (upper) word = word.toLowerCase()
      // Few distinct words a line: a linear search beats a Set.
      if (!STOP_WORDS.has(word) && !terms.includes(word)) {
        terms.push(word)
        if (terms.length >= max) return terms
      }
    }
    start = -1
  }
  return terms
}
