import { DecodeError } from './errors.js'

// Small field checks for validate.ts: each takes a value and its path (e.g. `l[0].level`) and returns the value
// or throws DecodeError naming the path. Internal to protocol/; index.ts does not re-export it.

/** Keys refused in free-form maps: prototype names, and `__proto_`, which is what cbor-x renames `__proto__` to. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', '__proto_', 'constructor', 'prototype'])
/** Attribute values may nest; this bounds recursion when validating a batch before encoding it. */
const MAX_ATTR_DEPTH = 12

export type Check<T> = (value: unknown, path: string) => T
export interface Field<T> {
  check: Check<T>
  optional: boolean
}
export type Shape<T> = { [K in keyof T]-?: Field<Exclude<T[K], undefined>> }

export const required = <T>(check: Check<T>): Field<T> => ({ check, optional: false })
export const optional = <T>(check: Check<T>): Field<T> => ({ check, optional: true })

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value !== 'object' || value === null) return String(value)
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (value instanceof Uint8Array) return `a byte string of ${value.length}`
  return 'a map'
}

export function invalid(path: string, rule: string, value: unknown): never {
  throw new DecodeError('invalid_field', `${path}: ${rule}, got ${describe(value)}`)
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key)

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function plainObject(value: unknown, path: string): Record<string, unknown> {
  return isPlainObject(value) ? value : invalid(path || 'payload', 'must be a map', value)
}

/** Copies the fields of `shape` out of `raw`, in shape order; refuses unknown keys and missing required ones. */
export function readRecord<T>(raw: unknown, path: string, shape: Shape<T>): T {
  const obj = plainObject(raw, path)
  for (const key of Object.keys(obj)) {
    if (!Object.hasOwn(shape, key)) {
      throw new DecodeError('unknown_field', `${path ? `${path}: ` : ''}unknown field ${JSON.stringify(key)}`)
    }
  }
  const out: Record<string, unknown> = {}
  for (const key in shape) {
    const field: Field<unknown> = shape[key]
    const value = obj[key]
    // An absent optional field may also arrive as CBOR undefined (an object property set to undefined).
    if (value === undefined) {
      if (field.optional) continue
      invalid(join(path, key), 'is required', value)
    }
    out[key] = field.check(value, join(path, key))
  }
  return out as T
}

export const string: Check<string> = (v, p) => (typeof v === 'string' ? v : invalid(p, 'must be a string', v))
export const boolean: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : invalid(p, 'must be a boolean', v))
export const finite: Check<number> = (v, p) =>
  typeof v === 'number' && Number.isFinite(v) ? v : invalid(p, 'must be a finite number', v)
export const positiveSafeInt: Check<number> = (v, p) =>
  Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : invalid(p, 'must be a positive safe integer', v)

export const nonNegativeSafeInt: Check<number> = (v, p) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : invalid(p, 'must be a non-negative safe integer', v)

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, p) => ((values as readonly unknown[]).includes(v) ? (v as T) : invalid(p, `must be one of ${values.join(', ')}`, v))
}

export function arrayOf<T>(check: Check<T>): Check<T[]> {
  return (v, p) => {
    if (!Array.isArray(v)) invalid(p, 'must be an array', v)
    const out = new Array<T>(v.length)
    for (let k = 0; k < v.length; k++) out[k] = check(v[k], `${p}[${k}]`)
    return out
  }
}

export const record = <T>(shape: Shape<T>): Check<T> => (v, p) => readRecord(v, p, shape)

/** A JSON-like value: string, number, boolean, null, or arrays and maps of them (no byte strings, no undefined). */
function checkJsonValue(value: unknown, path: string, depth: number): void {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return
  if (depth > MAX_ATTR_DEPTH) invalid(path, `must nest at most ${MAX_ATTR_DEPTH} levels`, value)
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) checkJsonValue(value[k], `${path}[${k}]`, depth + 1)
    return
  }
  if (!isPlainObject(value)) invalid(path, 'must be a string, number, boolean, null, array or map', value)
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) invalid(path, `key ${JSON.stringify(key)} is reserved`, value)
    checkJsonValue(value[key], `${path}.${key}`, depth + 1)
  }
}

export const attributes: Check<Record<string, unknown>> = (v, p) => {
  const obj = plainObject(v, p)
  checkJsonValue(obj, p, 0)
  return obj
}
