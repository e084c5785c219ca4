import { decodeStored } from '../storage/stored-cbor.js'
import { operationRowKey, serviceRowKey, spanKeyParts, spanRowKey, timeRowKey, type TraceSublevels } from './keys.js'
import type { StoredSpan } from './records.js'

/** Erases one device's spans and their three index rows each (docs/security.md, "Deleting a device"). */
export async function purgeDeviceSpans(subs: TraceSublevels, device: string): Promise<{ spans: number }> {
  let spans = 0
  let ops: Array<{ type: 'del'; sublevel: TraceSublevels['spans']; key: string }> = []
  const flush = async () => {
    if (ops.length === 0) return
    await subs.spans.db.batch(ops.splice(0) as never)
  }
  for await (const bytes of subs.spans.values()) {
    const span = decodeStored<StoredSpan>(bytes)
    if (span.device !== device) continue
    const parts = spanKeyParts(span.traceId, span.spanId, span.service ?? '', span.name, span.start)
    ops.push(
      { type: 'del', sublevel: subs.spans, key: spanRowKey(parts) },
      { type: 'del', sublevel: subs.byTime, key: timeRowKey(parts) },
      { type: 'del', sublevel: subs.byService, key: serviceRowKey(parts) },
      { type: 'del', sublevel: subs.byOperation, key: operationRowKey(parts) },
    )
    spans++
    if (ops.length >= 10_000) await flush()
  }
  await flush()
  return { spans }
}

/** Every stored span of `device`, in trace id order (export). */
export async function* deviceSpans(subs: TraceSublevels, device: string): AsyncGenerator<StoredSpan> {
  for await (const bytes of subs.spans.values()) {
    const span = decodeStored<StoredSpan>(bytes)
    if (span.device === device) yield span
  }
}
