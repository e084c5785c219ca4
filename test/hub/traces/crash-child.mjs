// Child process of crash.test.ts: ingests the plan's span batches through the block trace store as the hub does,
// printing each ack and each seal, until the parent SIGKILLs it (test/helpers/crash-ingest-child.mjs). Runs from
// dist/ (npm run build first), like the log store's crash test.
import { BlockTraceStore } from '../../../dist/hub/traces/index.js'
import { ingestUntilKilled } from '../../helpers/crash-ingest-child.mjs'

const T0 = Date.UTC(2026, 0, 1, 23, 0)
await ingestUntilKilled({
  participant: (db, blockSpans) => new BlockTraceStore(db, { retentionMs: 3650 * 86_400_000, blockSpans }),
  // One trace per batch; starts straddle the hour, so seals cut blocks of two hours.
  records: (d, seq, spans) => ({
    s: Array.from({ length: spans }, (_, k) => ({
      traceId: `crash-d${d}-s${seq}`,
      spanId: `k${k}`,
      ...(k > 0 ? { parentSpanId: 'k0' } : {}),
      name: k % 2 === 0 ? 'probe' : 'SELECT',
      service: 'crash',
      start: T0 + seq * 60_000 + k,
      end: T0 + seq * 60_000 + k + 5,
      status: k % 10 === 0 ? 'error' : 'ok',
      attrs: { d, seq, k },
    })),
  }),
})
