import { IngestError } from '../ingest/errors.js'
import { RecordError, asArray, asObject, asString, resourceOrigin, type Origin } from './values.js'

/** What one request converts to: the records kept, and how many were refused and why (OTLP partialSuccess). */
export interface Conversion<T> {
  records: T[]
  rejected: number
  /** The first few reasons, each naming the record's path. */
  problems: string[]
}

/** Reasons kept for the response; the count says how many there were in all. */
const MAX_PROBLEMS = 5

/** Collects records and refusals; a RecordError refuses one record, anything else stops the request. */
export class Collector<T> {
  readonly records: T[] = []
  rejected = 0
  readonly problems: string[] = []

  /** Runs `convert` for one record (or one data point); `weight` is how many OTLP items a refusal counts as. */
  take(convert: () => T | undefined, weight = 1): void {
    try {
      const out = convert()
      if (out !== undefined) this.records.push(out)
    } catch (err) {
      if (!(err instanceof RecordError)) throw err
      this.reject(err.message, weight)
    }
  }

  reject(problem: string, weight = 1): void {
    this.rejected += weight
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem)
  }

  result(): Conversion<T> {
    return { records: this.records, rejected: this.rejected, problems: this.problems }
  }
}

/** A refusal of the whole request (its envelope is malformed): 400 naming the path. */
export function malformed(err: unknown): never {
  if (err instanceof RecordError) throw new IngestError(400, 'invalid_otlp', err.message)
  throw err
}

/**
 * Walks `resource<Kind>[].scope<Kind>[].<items>[]` (the same nesting in all three signals), calling `visit` for
 * each item with its path and origin. A malformed envelope refuses the request; `visit` handles its own items.
 */
export function eachItem(
  request: Record<string, unknown>,
  kind: 'Spans' | 'Metrics' | 'Logs',
  items: 'spans' | 'metrics' | 'logRecords',
  visit: (item: unknown, path: string, origin: Origin) => void,
): void {
  const resources = `resource${kind}`
  const scopes = `scope${kind}`
  const groups: Array<{ list: unknown[]; path: string; origin: Origin }> = []
  try {
    asArray(request[resources], resources).forEach((r, i) => {
      const rPath = `${resources}[${i}]`
      const resource = asObject(r, rPath)
      const origin = resourceOrigin(resource.resource, `${rPath}.resource`)
      asArray(resource[scopes], `${rPath}.${scopes}`).forEach((s, j) => {
        const sPath = `${rPath}.${scopes}[${j}]`
        const scope = asObject(s, sPath)
        const scopeName = asString(asObject(scope.scope, `${sPath}.scope`).name, `${sPath}.scope.name`)
        groups.push({ list: asArray(scope[items], `${sPath}.${items}`), path: `${sPath}.${items}`, origin: scopeName ? { ...origin, scope: scopeName } : origin })
      })
    })
  } catch (err) {
    malformed(err)
  }
  for (const group of groups) group.list.forEach((item, k) => visit(item, `${group.path}[${k}]`, group.origin))
}

/** Absent optional fields stay absent on the wire instead of travelling as CBOR `undefined`. */
export function withoutUndefined<T extends object>(record: T): T {
  for (const key of Object.keys(record) as (keyof T)[]) if (record[key] === undefined) delete record[key]
  return record
}
