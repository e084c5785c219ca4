import { rowHasSeries, type HeadRowSummary } from '../encoding/head-row.js'

export interface HeadLimits {
  /** Above this many head rows the oldest are compacted even if their window is still open. */
  maxRows: number
  /** Above this many head samples, likewise. */
  maxSamples: number
}

/** In-memory summary of the committed head rows, ascending by row number (rebuilt on open by scanning m-head). */
export class HeadIndex {
  private rows: HeadRowSummary[] = []
  private sampleCount = 0

  get size(): number {
    return this.rows.length
  }

  get samples(): number {
    return this.sampleCount
  }

  /** Rows usually commit in row order; concurrent devices can swap neighbours, so insert in place. */
  add(summary: HeadRowSummary): void {
    let at = this.rows.length
    while (at > 0 && this.rows[at - 1].rowNo > summary.rowNo) at--
    // Known already: a shared store's sync (level-metric-store.ts) may have read the row before its commit hook ran.
    if (at > 0 && this.rows[at - 1].rowNo === summary.rowNo) return
    this.rows.splice(at, 0, summary)
    this.sampleCount += summary.samples
  }

  remove(rowNos: ReadonlySet<number>): void {
    const kept: HeadRowSummary[] = []
    for (const row of this.rows) {
      if (rowNos.has(row.rowNo)) this.sampleCount -= row.samples
      else kept.push(row)
    }
    this.rows = kept
  }

  /** Rows, in row order, that may hold samples of any of `ids` within [from, to]. */
  overlapping(ids: readonly number[], from: number, to: number): HeadRowSummary[] {
    return this.rows.filter((row) => row.maxTs >= from && row.minTs <= to && ids.some((id) => rowHasSeries(row, id)))
  }

  /** Rows whose samples all lie before `cutoff` (retention deletes them whole). */
  rowsBefore(cutoff: number): HeadRowSummary[] {
    return this.rows.filter((row) => row.maxTs < cutoff)
  }

  /**
   * Rows to compact, in row order: every row whose samples all lie before `cutoff` (closed windows), and,
   * while the head is over a limit, the oldest remaining rows until it is back under half of it.
   */
  planCompaction(cutoff: number, limits: HeadLimits): HeadRowSummary[] {
    const chosen = new Set<HeadRowSummary>()
    let rowsLeft = this.rows.length
    let samplesLeft = this.sampleCount
    for (const row of this.rows) {
      if (row.maxTs < cutoff) {
        chosen.add(row)
        rowsLeft--
        samplesLeft -= row.samples
      }
    }
    if (rowsLeft > limits.maxRows || samplesLeft > limits.maxSamples) {
      for (const row of this.rows) {
        if (rowsLeft <= limits.maxRows / 2 && samplesLeft <= limits.maxSamples / 2) break
        if (chosen.has(row)) continue
        chosen.add(row)
        rowsLeft--
        samplesLeft -= row.samples
      }
    }
    return this.rows.filter((row) => chosen.has(row))
  }
}
