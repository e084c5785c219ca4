import type { Expr } from './ast.js'
import { parsePromQL } from './parse.js'

// Parsed queries by their text: a dashboard asks the same few strings every refresh, and lezer's parse plus the
// adapter and the type check cost more than answering a one-series query from cache. The AST is never mutated by
// evaluation, so one parse serves every request. Errors are not kept: a bad query is parsed (and refused) again.

export class ParseCache {
  private readonly parsed = new Map<string, Expr>()

  constructor(private readonly maxEntries = 1000) {}

  parse(query: string): Expr {
    const hit = this.parsed.get(query)
    if (hit) {
      // Map order is the LRU order: move the hit to the young end.
      this.parsed.delete(query)
      this.parsed.set(query, hit)
      return hit
    }
    const expr = parsePromQL(query)
    // Long generated queries are not worth the memory.
    if (this.maxEntries > 0 && query.length <= 4096) {
      this.parsed.set(query, expr)
      if (this.parsed.size > this.maxEntries) this.parsed.delete(this.parsed.keys().next().value!)
    }
    return expr
  }

  get size(): number {
    return this.parsed.size
  }
}
