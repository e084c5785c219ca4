// Child process of crash.test.ts: ingests the plan's span batches through the block trace store as the hub does
// (the metric store's exactly-once write), printing each ack and each seal, until the parent SIGKILLs it. Runs from
// dist/ (npm run build first), like the log store's crash test.
import { Level } from 'level'
import { PROTOCOL_VERSION } from '../../../dist/protocol/batch.js'
import { LevelMetricStore } from '../../../dist/hub/metrics/store/index.js'
import { BlockTraceStore } from '../../../dist/hub/traces/index.js'

const [dir, devices, batches, spansPerBatch, blockSpans] = process.argv.slice(2)
const T0 = Date.UTC(2026, 0, 1, 23, 0)
const db = new Level(dir, { valueEncoding: 'json' })
await db.open()
const traces = new BlockTraceStore(db, { retentionMs: 3650 * 86_400_000, blockSpans: Number(blockSpans) })
const store = new LevelMetricStore(db, { participants: [traces] })
await store.open()
await traces.open()
const seal = traces.seal.bind(traces)
traces.seal = () => {
  process.stdout.write('seal\n')
  return seal().then(() => process.stdout.write('sealed\n'))
}
process.stdout.write('ready\n')
await Promise.all(
  Array.from({ length: Number(devices) }, async (_, d) => {
    for (let seq = 1; seq <= Number(batches); seq++) {
      // One trace per batch; starts straddle the hour, so seals cut blocks of two hours.
      const traceId = `crash-d${d}-s${seq}`
      const s = Array.from({ length: Number(spansPerBatch) }, (_, k) => ({
        traceId,
        spanId: `k${k}`,
        ...(k > 0 ? { parentSpanId: 'k0' } : {}),
        name: k % 2 === 0 ? 'probe' : 'SELECT',
        service: 'crash',
        start: T0 + seq * 60_000 + k,
        end: T0 + seq * 60_000 + k + 5,
        status: k % 10 === 0 ? 'error' : 'ok',
        attrs: { d, seq, k },
      }))
      const result = await store.ingest({ v: PROTOCOL_VERSION, dev: `crash-${d}`, ep: 'e1', seq, at: 0, s })
      process.stdout.write(`ack ${d} ${seq} ${result.duplicate ? 'dup' : 'new'}\n`)
    }
  }),
)
process.stdout.write('done\n')
