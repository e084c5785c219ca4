import type { BatchOp, Database } from '../../storage/db.js'
import { decodeStored } from '../../storage/stored-cbor.js'
import { openTraceSublevels, operationRowKey, rowKeysOfTimeKey, serviceRowKey, spanKeyParts, spanRowKey, timeRowKey } from '../keys.js'
import type { SpanEntry, StoredSpan } from '../records.js'
import { withoutUndefined } from './head-row.js'
import { spanBlockWrites } from './seal.js'
import type { SpanBlockTables } from './tables.js'

// Data dirs written before blocks keep each span as four rows: `t-span` and the `t-time`, `t-svc`, `t-op` index
// entries (LevelTraceStore). At start they are moved into blocks in start order (the time index), STEP spans at a
// time, each step one atomic write of the new blocks and the deletes of the four rows of every span they hold: a
// crash mid-way resumes where it stopped, nothing lost or doubled. Span rows no time entry names go last.

const STEP = 65_536

/** Spans moved. */
export async function migrateLegacySpans(db: Database, tables: SpanBlockTables, blockSpans: number, nextSeq: () => number): Promise<number> {
  const legacy = openTraceSublevels(db)
  let moved = 0
  const step = async (spans: StoredSpan[], extraDeletes: BatchOp[]) => {
    const { ops } = await spanBlockWrites(tables, spans, blockSpans, nextSeq)
    for (const span of spans) {
      const parts = spanKeyParts(span.traceId, span.spanId, span.service ?? '', span.name, span.start)
      ops.push(
        { type: 'del', sublevel: legacy.spans, key: spanRowKey(parts) },
        { type: 'del', sublevel: legacy.byTime, key: timeRowKey(parts) },
        { type: 'del', sublevel: legacy.byService, key: serviceRowKey(parts) },
        { type: 'del', sublevel: legacy.byOperation, key: operationRowKey(parts) },
      )
    }
    for (const op of extraDeletes) ops.push(op)
    await db.batch(ops)
    moved += spans.length
  }
  // In start order, so each step makes full blocks of a few hours.
  for (;;) {
    const entries = await legacy.byTime.iterator({ limit: STEP }).all()
    if (entries.length === 0) break
    const spanKeys = entries.map(([timeKey, value]) => {
      const entry = decodeStored<SpanEntry>(value)
      return rowKeysOfTimeKey(timeKey, entry.v, entry.o).span
    })
    const rows = await legacy.spans.getMany(spanKeys)
    const spans: StoredSpan[] = []
    // A time entry whose span row is gone (never the case unless the dir was damaged) is dropped with the step.
    const dangling: BatchOp[] = []
    rows.forEach((bytes, i) => {
      if (bytes === undefined) dangling.push({ type: 'del', sublevel: legacy.byTime, key: entries[i][0] })
      else spans.push(withoutUndefined(decodeStored<StoredSpan>(bytes)))
    })
    await step(spans, dangling)
  }
  for (;;) {
    const values = await legacy.spans.values({ limit: STEP }).all()
    if (values.length === 0) break
    await step(values.map((bytes) => withoutUndefined(decodeStored<StoredSpan>(bytes))), [])
  }
  for (const sub of [legacy.byService, legacy.byOperation]) {
    if ((await sub.keys({ limit: 1 }).all()).length > 0) await sub.clear()
  }
  return moved
}
