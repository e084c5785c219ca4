import { createRequire } from 'node:module'
import type { OtlpSignal } from '../../../agent/inputs/otlp/proto.js'

const require = createRequire(import.meta.url)
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js')
const NAMES = { traces: 'Trace', metrics: 'Metrics', logs: 'Logs' }
const PACKAGES = { traces: 'trace', metrics: 'metrics', logs: 'logs' }

/** A success response as a plain object: JSON as is, protobuf decoded as the SDK's exporters decode it. */
export function decodeResponse(signal: OtlpSignal, encoding: 'json' | 'protobuf', body: any): any {
  if (encoding === 'json') return body
  const type = root.opentelemetry.proto.collector[PACKAGES[signal]].v1[`Export${NAMES[signal]}ServiceResponse`]
  return type.toObject(type.decode(body), { longs: String, defaults: false })
}
