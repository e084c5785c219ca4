// The child side of crash-ingest.ts: ingests each device's batches through LevelMetricStore with the store under
// test as its participant (the hub's exactly-once write), printing `ready`, each `ack device seq new|dup`, each
// `seal`/`sealed` and `done`, until the parent SIGKILLs it. Runs from dist/ (npm run build first).
import { Level } from 'level'
import { PROTOCOL_VERSION } from '../../dist/protocol/batch.js'
import { LevelMetricStore } from '../../dist/hub/metrics/store/index.js'

/**
 * The plan comes from the command line as useCrashIngest passes it: the LevelDB directory, then the devices
 * ingesting in parallel (`crash-0` …), the batches per device (seq 1 …), the records per batch and the records per
 * block of the store under test.
 *
 * @param {object} store
 * @param {(db: import('level').Level, blockSize: number) => {open(): Promise<void>, seal(): Promise<void>}} store.participant the store under test
 * @param {(device: number, seq: number, perBatch: number) => object} store.records a batch's records, e.g. `{ l: [...] }`
 */
export async function ingestUntilKilled({ participant, records }) {
  const [dir, ...numbers] = process.argv.slice(2)
  const [devices, batches, perBatch, blockSize] = numbers.map(Number)
  const db = new Level(dir, { valueEncoding: 'json' })
  await db.open()
  const part = participant(db, blockSize)
  const store = new LevelMetricStore(db, { participants: [part] })
  await store.open()
  await part.open()
  const seal = part.seal.bind(part)
  part.seal = () => {
    process.stdout.write('seal\n')
    return seal().then(() => process.stdout.write('sealed\n'))
  }
  process.stdout.write('ready\n')
  await Promise.all(
    Array.from({ length: devices }, async (_, d) => {
      for (let seq = 1; seq <= batches; seq++) {
        const result = await store.ingest({ v: PROTOCOL_VERSION, dev: `crash-${d}`, ep: 'e1', seq, at: 0, ...records(d, seq, perBatch) })
        process.stdout.write(`ack ${d} ${seq} ${result.duplicate ? 'dup' : 'new'}\n`)
      }
    }),
  )
  process.stdout.write('done\n')
}
