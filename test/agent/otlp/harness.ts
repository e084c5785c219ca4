import { gzipSync } from 'node:zlib'
import { Hono } from 'hono'
import { Telemetry } from '../../../agent/telemetry.js'
import { prometheusRegistry } from '../../../agent/telemetry-registry.js'
import { expect } from 'vitest'
import { mountOtlp } from '../../../agent/inputs/otlp/route.js'
import { encodeProtobufRequest, loadProto, type OtlpSignal } from '../../../agent/inputs/otlp/proto.js'
import type { BatchBody } from '../../../agent/split-body.js'
import type { WireMetrics } from '../../../protocol/batch.js'
import { validateBatch } from '../../../protocol/validate.js'

export const NOW = 1_714_564_800_000 // 2024-05-01T12:00:00Z
/** NOW in unix nanoseconds, as OTLP writes times. */
export const NOW_NS = `${NOW}000000`
export const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`

export const TRACE_ID = '5b8efff798038103d269b633813fc60c'
export const SPAN_ID = 'eee19b7ec3c1b174'
export const PARENT_ID = 'eee19b7ec3c1b173'

/**
 * The OTLP routes on a bare Hono app, with an `accept` that checks every body against the wire validator (as
 * Agent.accept does) and keeps it. `fail` makes accept throw instead (buffer full and the like).
 */
export function otlpApp() {
  const accepted: BatchBody[] = []
  const state: { fail?: Error } = {}
  const app = new Hono()
  const telemetry = new Telemetry()
  mountOtlp(app, {
    accept: async (body) => {
      if (state.fail) throw state.fail
      validateBatch({ v: 1, dev: 'dev-1', ep: 'e1', seq: 1, at: NOW, ...body })
      accepted.push(body)
    },
    telemetry,
    retryAfterSeconds: 3,
    log: () => {},
    now: () => NOW,
  })
  return { app, accepted, state, registry: prometheusRegistry(telemetry) }
}

export type Encoding = 'json' | 'protobuf'

/** POSTs an OTLP request; for protobuf, `message` is encoded as the SDK's proto exporters would send it. */
export async function post(
  app: Hono,
  signal: OtlpSignal,
  message: Record<string, unknown>,
  options: { encoding?: Encoding; gzip?: boolean } = {},
) {
  const encoding = options.encoding ?? 'json'
  await loadProto()
  let bytes: Uint8Array = encoding === 'json' ? Buffer.from(JSON.stringify(message)) : encodeProtobufRequest(signal, toProtobufShape(message))
  const headers: Record<string, string> = { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' }
  if (options.gzip) {
    bytes = gzipSync(bytes)
    headers['content-encoding'] = 'gzip'
  }
  return postRaw(app, signal, bytes, headers)
}

export async function postRaw(app: Hono, signal: OtlpSignal, bytes: Uint8Array | string, headers: Record<string, string>) {
  const payload = typeof bytes === 'string' ? bytes : Buffer.from(bytes)
  const res = await app.request(`/v1/${signal}`, { method: 'POST', body: payload, headers })
  const raw = new Uint8Array(await res.arrayBuffer())
  let body: any = raw
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(Buffer.from(raw).toString())
  return { status: res.status, body, headers: res.headers }
}

/** JSON-mapping ids (hex strings under *Id keys) as the bytes protobuf carries. */
function toProtobufShape(value: unknown): any {
  if (Array.isArray(value)) return value.map(toProtobufShape)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    out[key] = /^(traceId|spanId|parentSpanId)$/.test(key) && typeof v === 'string' ? Buffer.from(v, 'hex') : toProtobufShape(v)
  }
  return out
}

export const attr = (key: string, value: Record<string, unknown>) => ({ key, value })
export const str = (key: string, value: string) => attr(key, { stringValue: value })

/** A resource with `service.name`, one scope, and the items of one signal. */
export function request(kind: 'Spans' | 'Metrics' | 'Logs', items: unknown[], options: { service?: string; scope?: string } = {}) {
  const key = { Spans: 'spans', Metrics: 'metrics', Logs: 'logRecords' }[kind]
  return {
    [`resource${kind}`]: [
      {
        resource: { attributes: options.service === undefined ? [] : [str('service.name', options.service)] },
        [`scope${kind}`]: [{ scope: { name: options.scope ?? 'test-scope', version: '1.0.0' }, [key]: items }],
      },
    ],
  }
}

export interface FlatSample {
  name: string
  type: string
  labels: Record<string, string>
  unit?: string
  ts: number
  value: number
}

/** Column-wise metrics back to one object per sample, in wire order. */
export function samplesOf(m: WireMetrics | undefined): FlatSample[] {
  expect(m).toBeDefined()
  let ts = 0
  return m!.i.map((i, k) => {
    ts += m!.t[k]
    const [name, type, labels, unit] = m!.s[i]
    return { name, type, labels, ...(unit ? { unit } : {}), ts, value: m!.v[k] }
  })
}

/** Every sample of `m` as `name{labels} value`, sorted, for compact assertions. */
export function sampleLines(m: WireMetrics | undefined): string[] {
  return samplesOf(m)
    .map((s) => `${s.name}{${Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',')}} ${s.value}`)
    .sort()
}
