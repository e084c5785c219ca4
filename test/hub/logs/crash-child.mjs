// Child process of crash.test.ts: ingests the plan's log batches through the block store as the hub does, printing
// each ack and each seal, until the parent SIGKILLs it (test/helpers/crash-ingest-child.mjs). Runs from dist/ (npm
// run build first), like the delivery crash tests.
import { BlockLogStore } from '../../../dist/hub/logs/index.js'
import { ingestUntilKilled } from '../../helpers/crash-ingest-child.mjs'

const T0 = Date.UTC(2026, 0, 1, 23, 0)
await ingestUntilKilled({
  participant: (db, blockLines) => new BlockLogStore(db, { blockLines }),
  // Lines straddle a UTC midnight, so seals cut blocks of two days.
  records: (d, seq, lines) => ({
    l: Array.from({ length: lines }, (_, k) => ({
      ts: T0 + seq * 60_000 + k,
      level: k % 10 === 0 ? 'error' : 'info',
      // One line in 160 names the watchdog: a rare word, whose lines a seal also writes as rare rows.
      message: `probe d${d} s${seq} k${k} modbus timeout${d === 0 && k === 7 ? ' watchdog' : ''}`,
    })),
  }),
})
