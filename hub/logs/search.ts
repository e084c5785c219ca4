import { decodeStored } from '../storage/stored-cbor.js'
import { fingerprintOf } from './fingerprint.js'
import { dayOf, postingPrefix, SEP, term, tsKey, tsOfRecordId, type LogSublevels } from './keys.js'
import { intersect, PostingStream, UnionStream, type IdStream } from './postings-join.js'
import type { ErrorSummary } from './error-rows.js'
import type { LogEntry, LogPage, LogQuery, StoredLog } from './types.js'

export type { StoredLog } from './types.js'

// Reads for GET /v1/logs and the partial days of /v1/logs/errors. Filters become posting lists of the day
// (device, level, component, each word) joined newest first; with no filter the records are read by time.


const GET_MANY_CHUNK = 1000
/** Above every record id (they start with hex digits). */
const ID_CEILING = '~'

export function toEntry(log: StoredLog): LogEntry {
  return {
    ts: log.ts,
    device: log.device,
    level: log.level,
    component: log.component ?? null,
    message: log.message,
    attrs: log.attrs ?? {},
    traceId: log.traceId ?? null,
    spanId: log.spanId ?? null,
  }
}

/** Record-id bounds [low, high) of a time range, optionally continuing below a cursor. */
function idRange(from: number, to: number, after?: string): { low: string; high: string } {
  const low = Number.isFinite(from) ? tsKey(from) : ''
  // Every id with timestamp `to` is `${tsKey(to)}\0…`, so `\x01` after it bounds the range inclusively.
  let high = Number.isFinite(to) ? `${tsKey(to)}\x01` : ID_CEILING
  if (after !== undefined && after < high) high = after
  return { low, high }
}

/** Days holding data within [from, to], newest first. `days` is ascending. */
function daysWithin(days: readonly number[], from: number, to: number): number[] {
  const first = Number.isFinite(from) ? dayOf(from) : -Infinity
  const last = Number.isFinite(to) ? dayOf(to) : Infinity
  return days.filter((d) => d >= first && d <= last).reverse()
}

function postingStreams(subs: LogSublevels, day: number, query: LogQuery, low: string, high: string): IdStream[] {
  const stream = (t: string) => new PostingStream(subs.index, postingPrefix(day, t), low, high)
  const streams: IdStream[] = []
  if (query.device !== undefined) streams.push(stream(term.device(query.device)))
  if (query.component !== undefined) streams.push(stream(term.component(query.component)))
  if (query.levels !== undefined) {
    const levels = query.levels.map((l) => stream(term.level(l)))
    streams.push(levels.length === 1 ? levels[0] : new UnionStream(levels))
  }
  for (const word of query.words ?? []) streams.push(stream(term.word(word)))
  return streams
}

/** Ids matching every filter, newest first, across the days; stops after `max`. */
async function matchingIds(subs: LogSublevels, days: readonly number[], query: LogQuery, max: number): Promise<string[]> {
  const { low, high } = idRange(query.from, query.to, query.after)
  const to = query.after !== undefined ? Math.min(query.to, tsOfRecordId(query.after)) : query.to
  const ids: string[] = []
  for (const day of daysWithin(days, query.from, to)) {
    const streams = postingStreams(subs, day, query, low, high)
    try {
      for await (const id of intersect(streams)) {
        ids.push(id)
        if (ids.length >= max) return ids
      }
    } finally {
      await Promise.all(streams.map((s) => s.close()))
    }
  }
  return ids
}

async function readRecords(subs: LogSublevels, ids: string[]): Promise<Array<[string, StoredLog]>> {
  const out: Array<[string, StoredLog]> = []
  for (let i = 0; i < ids.length; i += GET_MANY_CHUNK) {
    const chunk = ids.slice(i, i + GET_MANY_CHUNK)
    const values = await subs.records.getMany(chunk)
    // A record missing under its postings was pruned meanwhile: skip it.
    values.forEach((bytes, k) => bytes && out.push([chunk[k], decodeStored<StoredLog>(bytes)]))
  }
  return out
}

function hasIndexedFilter(query: LogQuery): boolean {
  return query.device !== undefined || query.component !== undefined || query.levels !== undefined || (query.words?.length ?? 0) > 0
}

/** One page of logs, newest first; `next` is set when more may follow. */
export async function searchLogs(subs: LogSublevels, days: readonly number[], query: LogQuery): Promise<LogPage> {
  let found: Array<[string, StoredLog]>
  if (hasIndexedFilter(query)) {
    const ids = await matchingIds(subs, days, query, query.limit + 1)
    found = await readRecords(subs, ids.slice(0, query.limit))
    return { logs: found.map(([, log]) => toEntry(log)), next: ids.length > query.limit ? ids[query.limit - 1] : null }
  }
  const { low, high } = idRange(query.from, query.to, query.after)
  found = []
  for await (const [id, bytes] of subs.records.iterator({ gte: low, lt: high, reverse: true, limit: query.limit + 1 })) {
    found.push([id, decodeStored<StoredLog>(bytes)])
  }
  const more = found.length > query.limit
  found = found.slice(0, query.limit)
  return { logs: found.map(([, log]) => toEntry(log)), next: more ? found[found.length - 1][0] : null }
}

/** Adds the errors and criticals of one day within [from, to] to the summary, read from the level postings. */
export async function scanErrorsOfDay(
  subs: LogSublevels,
  day: number,
  range: { from: number; to: number; device?: string },
  summary: ErrorSummary,
): Promise<void> {
  const query: LogQuery = { ...range, levels: ['error', 'critical'], limit: Infinity }
  const ids = await matchingIds(subs, [day], query, Infinity)
  for (const [id, log] of await readRecords(subs, ids)) {
    const fingerprint = fingerprintOf(log.component, log.message)
    const device = id.split(SEP)[1]
    summary.add(fingerprint.id, device, {
      pattern: fingerprint.pattern,
      component: log.component,
      sample: log.message,
      level: log.level === 'critical' ? 'critical' : 'error',
      count: 1,
      first: log.ts,
      last: log.ts,
    })
  }
}
