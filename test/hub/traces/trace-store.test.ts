import { describe, expect, it } from 'vitest'
import { makeTraceHarness, span } from './trace-harness.js'
import { runTraceStoreSuite } from './trace-store.case.js'

runTraceStoreSuite('LevelTraceStore', (options) => makeTraceHarness(options))

const T0 = 1_795_000_000_000
const DAY = 86_400_000
const TABLES = ['t-span', 't-time', 't-svc', 't-op'] as const

describe('LevelTraceStore rows', () => {
  it('a duplicate batch writes no row twice', async () => {
    const h = await makeTraceHarness()
    try {
      const spans = [span('t1', 's1', T0, 10), span('t1', 's2', T0 + 1, 5, { parentSpanId: 's1' })]
      await h.ingest('edge-a', 1, spans)
      await h.ingest('edge-a', 1, spans)
      for (const sublevel of TABLES) expect(await h.rows(sublevel)).toBe(2)
    } finally {
      await h.cleanup()
    }
  })

  it('prune deletes all four rows of each expired span, in steps, leaving no dangling index row', async () => {
    const h = await makeTraceHarness({ retentionMs: DAY, pruneBatchSpans: 3 })
    try {
      const now = T0 + 10 * DAY
      await h.ingest('edge-a', 1, Array.from({ length: 7 }, (_, k) => span(`old${k}`, 'r', now - 3 * DAY + k, 5, { service: `svc${k % 2}`, name: `op${k % 3}` })))
      await h.ingest('edge-a', 2, [span('new', 'r', now - 1_000, 10), span('new', 'c', now - 900, 10, { parentSpanId: 'r' })])
      expect(await h.traces.prune(now)).toEqual({ spans: 7 })
      for (const sublevel of TABLES) expect(await h.rows(sublevel)).toBe(2)
    } finally {
      await h.cleanup()
    }
  })
})
