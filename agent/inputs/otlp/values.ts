import { FORBIDDEN_KEYS } from '../../../protocol/field-checks.js'
import { describeValue } from '../ingest/errors.js'

// Readers for OTLP's field types, shared by the three signals. Each accepts both forms a field arrives in: the JSON
// mapping (hex ids, int64 as strings or numbers, enums as numbers or names, base64 bytes) and the protobuf decoding
// of ./proto.ts (Uint8Array bytes, int64 as strings). proto3 omits fields at their default, so absent means default.

/** One record (span, log record, data point) the agent refuses; the rest of the request is kept (partialSuccess). */
export class RecordError extends Error {
  override readonly name = 'RecordError'
}

/** Attribute values nest at most this deep (the batch validator refuses deeper, protocol/field-checks.ts). */
const MAX_VALUE_DEPTH = 10

export function fail(path: string, problem: string, value?: unknown): never {
  throw new RecordError(arguments.length > 2 ? `${path}: ${problem}, got ${describeValue(value)}` : `${path}: ${problem}`)
}

export function asObject(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) fail(path, 'must be an object', value)
  return value as Record<string, unknown>
}

export function asArray(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) fail(path, 'must be an array', value)
  return value
}

export function asString(value: unknown, path: string): string {
  if (value === undefined || value === null) return ''
  if (typeof value !== 'string') fail(path, 'must be a string', value)
  return value
}

const INTEGER = /^-?\d+$/

/** An int64/uint64/fixed64 as a JS number (counts and sums, where 2^53 is far away). */
export function asInteger(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && INTEGER.test(value)) return Number(value)
  return fail(path, 'must be an integer (a number or a decimal string)', value)
}

/** A double; the JSON mapping spells the non-finite ones as strings. */
export function asDouble(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0
  if (typeof value === 'number') return value
  if (value === 'NaN') return NaN
  if (value === 'Infinity') return Infinity
  if (value === '-Infinity') return -Infinity
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value)
  return fail(path, 'must be a number', value)
}

/**
 * Unix nanoseconds (fixed64) to ms since the epoch, keeping microseconds as a fraction (spans shorter than a ms
 * keep their duration). BigInt, because nanoseconds since 1970 pass 2^53. Zero means "not set": undefined.
 */
export function nanosToMs(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null || value === 0 || value === '0') return undefined
  let nanos: bigint
  if (typeof value === 'string' && /^\d+$/.test(value)) nanos = BigInt(value)
  // Past 2^53 a JSON number has already lost precision in the encoder; what is left is still the right ms.
  else if (typeof value === 'number' && Number.isInteger(value) && value > 0) nanos = BigInt(value)
  else return fail(path, 'must be unix nanoseconds (a decimal string or integer)', value)
  return Number(nanos / 1000n) / 1000
}

/** An enum: its number, or its name as some JSON encoders write it. */
export function asEnum(value: unknown, names: readonly string[], path: string): number {
  if (value === undefined || value === null) return 0
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && names.includes(value)) return names.indexOf(value)
  return fail(path, `must be an enum number or one of ${names.join(', ')}`, value)
}

/**
 * A trace or span id as lower-case hex: `bytes` long, not all zero (OTLP: such ids are invalid). Empty is
 * undefined (a root span's parent). JSON carries hex; protobuf carries bytes.
 */
export function asId(value: unknown, bytes: 8 | 16, path: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  let hex: string
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) return undefined
    if (value.byteLength !== bytes) fail(path, `must be ${bytes} bytes, got ${value.byteLength}`)
    hex = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  } else if (typeof value === 'string' && new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) {
    hex = value.toLowerCase()
  } else {
    return fail(path, `must be ${bytes * 2} hex digits`, value)
  }
  if (/^0+$/.test(hex)) fail(path, 'must not be all zeros')
  return hex
}

/** An AnyValue as a JSON value: int64 as a number when safe, bytes as base64, kvlists as maps. */
export function anyValue(value: unknown, path: string, depth = 0): unknown {
  const v = asObject(value, path)
  if (depth > MAX_VALUE_DEPTH) fail(path, `values may nest at most ${MAX_VALUE_DEPTH} levels`)
  if ('stringValue' in v) return asString(v.stringValue, `${path}.stringValue`)
  if ('boolValue' in v) return v.boolValue === true || v.boolValue === 'true'
  if ('intValue' in v) {
    const n = asInteger(v.intValue, `${path}.intValue`)
    return Number.isSafeInteger(n) ? n : String(v.intValue)
  }
  if ('doubleValue' in v) {
    const d = asDouble(v.doubleValue, `${path}.doubleValue`)
    return Number.isFinite(d) ? d : String(d) // NaN and ±Infinity have no JSON form
  }
  if ('bytesValue' in v) {
    const b = v.bytesValue
    return b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64') : asString(b, `${path}.bytesValue`)
  }
  if ('arrayValue' in v) {
    const values = asArray(asObject(v.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`)
    return values.map((item, k) => anyValue(item, `${path}.arrayValue.values[${k}]`, depth + 1))
  }
  if ('kvlistValue' in v) return attributes(asObject(v.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`, depth + 1)
  return null // an empty AnyValue is OTLP's null
}

/** A KeyValue list as a plain map. Later duplicates win, as in the SDKs. */
export function attributes(list: unknown, path: string, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  asArray(list, path).forEach((item, k) => {
    const kv = asObject(item, `${path}[${k}]`)
    const key = asString(kv.key, `${path}[${k}].key`)
    if (FORBIDDEN_KEYS.has(key)) fail(`${path}[${k}].key`, 'is a reserved name', key)
    out[key] = anyValue(kv.value, `${path}[${k}].value`, depth)
  })
  return out
}

/** The string form of an attribute for a metric label or log field. */
export function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Resource and scope facts every record of a group shares. */
export interface Origin {
  /** `service.name` of the resource, when set. */
  service?: string
  /** The instrumentation scope's name, when set. */
  scope?: string
}

export function resourceOrigin(resource: unknown, path: string): Origin {
  const attrs = attributes(asObject(resource, path).attributes, `${path}.attributes`)
  const service = attrs['service.name']
  return typeof service === 'string' && service !== '' ? { service } : {}
}
