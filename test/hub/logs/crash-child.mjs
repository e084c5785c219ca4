// Child process of crash.test.ts: ingests the plan's log batches through the block store as the hub does (the
// metric store's exactly-once write), printing each ack and each seal, until the parent SIGKILLs it. Runs from
// dist/ (npm run build first), like the delivery crash tests.
import { Level } from 'level'
import { PROTOCOL_VERSION } from '../../../dist/protocol/batch.js'
import { LevelMetricStore } from '../../../dist/hub/metrics/store/index.js'
import { BlockLogStore } from '../../../dist/hub/logs/index.js'

const [dir, devices, batches, linesPerBatch, blockLines] = process.argv.slice(2)
const T0 = Date.UTC(2026, 0, 1, 23, 0)
const db = new Level(dir, { valueEncoding: 'json' })
await db.open()
const logs = new BlockLogStore(db, { blockLines: Number(blockLines) })
const store = new LevelMetricStore(db, { participants: [logs] })
await store.open()
await logs.open()
const seal = logs.seal.bind(logs)
logs.seal = () => {
  process.stdout.write('seal\n')
  return seal().then(() => process.stdout.write('sealed\n'))
}
process.stdout.write('ready\n')
await Promise.all(
  Array.from({ length: Number(devices) }, async (_, d) => {
    for (let seq = 1; seq <= Number(batches); seq++) {
      // Lines straddle a UTC midnight, so seals cut blocks of two days.
      const l = Array.from({ length: Number(linesPerBatch) }, (_, k) => ({
        ts: T0 + seq * 60_000 + k,
        level: k % 10 === 0 ? 'error' : 'info',
        // One line in 160 names the watchdog: a rare word, whose lines a seal also writes as rare rows.
        message: `probe d${d} s${seq} k${k} modbus timeout${d === 0 && k === 7 ? ' watchdog' : ''}`,
      }))
      const result = await store.ingest({ v: PROTOCOL_VERSION, dev: `crash-${d}`, ep: 'e1', seq, at: 0, l })
      process.stdout.write(`ack ${d} ${seq} ${result.duplicate ? 'dup' : 'new'}\n`)
    }
  }),
)
process.stdout.write('done\n')
