import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOG_LEVELS, type LogLevel, type LogRecord } from '../../../protocol/batch.js'
import { recordId } from '../../../hub/logs/keys.js'
import { tokenize, type LogEntry, type LogQuery, type LogStore, type LogStoreOptions } from '../../../hub/logs/index.js'

// The shared conformance suite of the log store (the aedes-persistence abstract.js way): every implementation of
// hub/logs/types.ts LogStore runs it unchanged, through the batch commit as the hub ingests.

export interface LogStoreHarness {
  /** The store under test; replaced by reopen(). */
  logs: LogStore
  /** Ingests one batch of logs through the exactly-once batch write (dedup mark and all), as the hub does. */
  ingest(dev: string, seq: number, records: LogRecord[], tsOffset?: number, ep?: string): Promise<{ duplicate: boolean }>
  /** Closes the store and its database and opens both again from disk (a hub restart). */
  reopen(): Promise<void>
  /** Moves everything ingested so far to the store's long-term form (a block store seals its head); may do nothing. */
  seal(): Promise<void>
  cleanup(): Promise<void>
}

export type LogHarnessFactory = (options?: LogStoreOptions) => Promise<LogStoreHarness>

const DAY = 86_400_000
const T0 = Date.UTC(2026, 2, 10, 22, 0, 0) // two hours before a UTC midnight, so data spans days
const WORDS = ['disk', 'timeout', 'retry', 'sensor', 'upload', 'cache', 'miss', 'restart', 'voltage', 'modbus']
const RARE_WORD = 'watchdog'
const COMPONENTS = ['net', 'db', 'sensors', 'ota']
const DEVICES = ['pi-1', 'pi-2', 'pi-3']
const ALL = { from: -Infinity, to: Infinity }

function seeded(seed: number) {
  let state = seed
  return (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state % n
  }
}

interface Stored extends LogRecord {
  device: string
  id: string
}

/** Random logs over three days from three devices, several per ms at times, ingested in batches of 50. */
export async function ingestRandom(h: LogStoreHarness, count: number, seed: number): Promise<Stored[]> {
  const rand = seeded(seed)
  const stored: Stored[] = []
  const perDevice = new Map<string, LogRecord[]>()
  for (let n = 0; n < count; n++) {
    const device = DEVICES[rand(DEVICES.length)]
    const words = Array.from({ length: 1 + rand(4) }, () => WORDS[rand(WORDS.length)])
    // A rare word, in about one line of a hundred (a block store keeps such words' rows in its summaries).
    if (n % 97 === 5) words.push(RARE_WORD)
    const record: LogRecord = {
      ts: T0 + rand(3 * DAY) - (rand(10) === 0 ? 0 : rand(1000)),
      level: LOG_LEVELS[rand(LOG_LEVELS.length)],
      message: `${words.join(' ')} #${n}`,
    }
    if (rand(5) > 0) record.component = COMPONENTS[rand(COMPONENTS.length)]
    if (rand(7) === 0) record.attrs = { n, tags: ['a', n % 3] }
    const list = perDevice.get(device) ?? []
    list.push(record)
    perDevice.set(device, list)
  }
  for (const [device, records] of perDevice) {
    for (let i = 0, seq = 1; i < records.length; i += 50, seq++) {
      const part = records.slice(i, i + 50)
      await h.ingest(device, seq, part)
      part.forEach((r, k) => stored.push({ ...r, device, id: recordId(r.ts, device, 'ep-1', seq, k) }))
    }
  }
  return stored.sort((a, b) => (a.id < b.id ? 1 : -1))
}

function matches(r: Stored, q: Omit<LogQuery, 'limit'>): boolean {
  if (r.ts < q.from || r.ts > q.to) return false
  if (q.device !== undefined && r.device !== q.device) return false
  if (q.component !== undefined && r.component !== q.component) return false
  if (q.levels !== undefined && !q.levels.includes(r.level)) return false
  const words = new Set(tokenize(r.message))
  return (q.words ?? []).every((w) => words.has(w))
}

/** Every page of a query, following `next`. */
async function allPages(logs: LogStore, query: Omit<LogQuery, 'limit' | 'after'>, limit: number): Promise<LogEntry[]> {
  const out: LogEntry[] = []
  let after: string | undefined
  for (let pages = 0; pages < 5000; pages++) {
    const page = await logs.query({ ...query, limit, ...(after ? { after } : {}) })
    expect(page.logs.length).toBeLessThanOrEqual(limit)
    out.push(...page.logs)
    if (page.next === null) return out
    after = page.next
  }
  throw new Error('paging did not end')
}

const QUERIES: Array<Omit<LogQuery, 'limit'>> = [
  { ...ALL },
  { from: T0 + DAY / 2, to: T0 + 2 * DAY },
  { ...ALL, device: 'pi-2' },
  { ...ALL, levels: ['error', 'critical'] },
  { ...ALL, levels: ['warning'], component: 'db' },
  { ...ALL, words: ['timeout'] },
  { ...ALL, words: ['timeout', 'modbus'] },
  { from: T0, to: T0 + DAY, words: ['sensor', 'retry'], device: 'pi-3', levels: ['info', 'warning', 'error', 'critical'] },
  { ...ALL, words: [RARE_WORD] },
  { ...ALL, words: [RARE_WORD], levels: ['error', 'critical'] },
  { from: T0 + DAY / 3, to: T0 + 2 * DAY, words: [RARE_WORD, 'timeout'], device: 'pi-1' },
  { ...ALL, words: [RARE_WORD], levels: ['debug'], component: 'db' },
  { ...ALL, component: 'nope' },
  { ...ALL, words: ['nowhere'] },
]

export async function expectQueriesExact(logs: LogStore, stored: Stored[], limits: number[]): Promise<void> {
  for (const query of QUERIES) {
    const expected = stored.filter((r) => matches(r, query)).map((r) => `${r.device} ${r.message} ${JSON.stringify(r.attrs ?? {})}`)
    for (const limit of limits) {
      const got = (await allPages(logs, query, limit)).map((e) => `${e.device} ${e.message} ${JSON.stringify(e.attrs)}`)
      expect(got, JSON.stringify({ query, limit })).toEqual(expected)
    }
  }
}

export function runLogStoreSuite(name: string, makeHarness: LogHarnessFactory): void {
  describe(`LogStore conformance: ${name}`, () => {
    let h: LogStoreHarness
    beforeEach(async () => {
      h = await makeHarness()
    })
    afterEach(async () => {
      await h.cleanup()
    })

    it('stores every field, adds the clock correction, and reads newest first', async () => {
      await h.ingest('pi-1', 1, [
        { ts: T0, level: 'info', message: 'boot done', component: 'sys', attrs: { pid: 7, tags: ['a'] }, traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8) },
        { ts: T0 + 1000, level: 'warning', message: 'disk low' },
      ], 250)
      const expected = [
        { ts: T0 + 1250, device: 'pi-1', level: 'warning', component: null, message: 'disk low', attrs: {}, traceId: null, spanId: null },
        { ts: T0 + 250, device: 'pi-1', level: 'info', component: 'sys', message: 'boot done', attrs: { pid: 7, tags: ['a'] }, traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8) },
      ]
      expect(await h.logs.query({ ...ALL, limit: 10 })).toEqual({ logs: expected, next: null })
      await h.seal()
      expect(await h.logs.query({ ...ALL, limit: 10 })).toEqual({ logs: expected, next: null })
      await h.reopen()
      expect(await h.logs.query({ ...ALL, limit: 10 })).toEqual({ logs: expected, next: null })
    })

    it('a batch sent again is not stored twice, before or after a restart or a seal', async () => {
      const records: LogRecord[] = [{ ts: T0, level: 'error', message: 'boom 1' }, { ts: T0 + 1, level: 'error', message: 'boom 2' }]
      expect((await h.ingest('pi-1', 1, records)).duplicate).toBe(false)
      expect((await h.ingest('pi-1', 1, records)).duplicate).toBe(true)
      await h.seal()
      expect((await h.ingest('pi-1', 1, records)).duplicate).toBe(true)
      await h.reopen()
      expect((await h.ingest('pi-1', 1, records)).duplicate).toBe(true)
      expect((await h.logs.query({ ...ALL, limit: 100 })).logs).toHaveLength(2)
      expect((await h.logs.query({ ...ALL, words: ['boom'], limit: 100 })).logs).toHaveLength(2)
      const [group] = await h.logs.errorSummary({ ...ALL, limit: 10 })
      expect(group.count).toBe(2)
    })

    it('the cursor is the record id of the last entry of the page', async () => {
      await h.ingest('pi-1', 4, [{ ts: T0, level: 'info', message: 'a' }, { ts: T0, level: 'info', message: 'b' }, { ts: T0 + 1, level: 'info', message: 'c' }], 0, 'ep-9')
      const first = await h.logs.query({ ...ALL, limit: 2 })
      expect(first.logs.map((l) => l.message)).toEqual(['c', 'b'])
      expect(first.next).toBe(recordId(T0, 'pi-1', 'ep-9', 4, 1))
      const second = await h.logs.query({ ...ALL, limit: 2, after: first.next! })
      expect(second).toEqual({ logs: [expect.objectContaining({ message: 'a' })], next: null })
    })

    it('every filter combination and page size returns exactly the matching records, newest first', async () => {
      const stored = await ingestRandom(h, 1500, 7)
      await expectQueriesExact(h.logs, stored, [1, 7, 1000])
    })

    it('the same answers once sealed, with more ingested after the seal, and after a restart', async () => {
      const first = await ingestRandom(h, 600, 3)
      await h.seal()
      await expectQueriesExact(h.logs, first, [13, 1000])
      // More batches on top (seq continues per device from where ingestRandom stopped: new epoch instead).
      const more: Stored[] = []
      for (const [k, device] of DEVICES.entries()) {
        const records: LogRecord[] = [
          { ts: T0 + k * 1000, level: 'error', message: `timeout modbus late ${k}`, component: 'db' },
          { ts: T0 + 2 * DAY + k, level: 'warning', message: `sensor retry late ${k}`, component: 'db' },
        ]
        await h.ingest(device, 1, records, 0, 'ep-2')
        records.forEach((r, i) => more.push({ ...r, device, id: recordId(r.ts, device, 'ep-2', 1, i) }))
      }
      const stored = [...first, ...more].sort((a, b) => (a.id < b.id ? 1 : -1))
      await expectQueriesExact(h.logs, stored, [5, 1000])
      await h.reopen()
      await expectQueriesExact(h.logs, stored, [1000])
      await h.seal()
      await expectQueriesExact(h.logs, stored, [1000])
    })

    it('the error summary groups by fingerprint, and partial days are exact', async () => {
      const stored = await ingestRandom(h, 800, 11)
      const ranges = [
        { ...ALL },
        { from: T0 + 3 * 3_600_000, to: T0 + DAY + 5 * 3_600_000 },
        { from: T0 + 3 * 3_600_000, to: T0 + DAY + 5 * 3_600_000, device: 'pi-1' },
      ]
      for (const sealed of [false, true]) {
        if (sealed) await h.seal()
        for (const range of ranges) {
          const errors = stored.filter((r) => (r.level === 'error' || r.level === 'critical') && matches(r, range))
          const groups = await h.logs.errorSummary({ ...range, limit: 1000 })
          expect(groups.reduce((sum, g) => sum + g.count, 0)).toBe(errors.length)
          // Messages differ only in their number, so each (component, words) pair is one fingerprint.
          const key = (component: string | null | undefined, message: string) => `${component ?? ''}|${message.replace(/#\d+/, '')}`
          const expected = new Map<string, Stored[]>()
          for (const r of errors) expected.set(key(r.component, r.message), [...(expected.get(key(r.component, r.message)) ?? []), r])
          expect(groups).toHaveLength(expected.size)
          for (const g of groups) {
            const members = expected.get(key(g.component, g.message))!
            expect(g.count).toBe(members.length)
            expect(g.firstSeen).toBe(Math.min(...members.map((r) => r.ts)))
            expect(g.lastSeen).toBe(Math.max(...members.map((r) => r.ts)))
            expect(g.devices).toEqual([...new Set(members.map((r) => r.device))].sort())
            expect(g.level).toBe(members.some((r) => r.level === 'critical') ? 'critical' : 'error')
            expect(g.pattern).toMatch(/#<num>$/)
          }
          expect(groups.map((g) => g.count)).toEqual([...groups.map((g) => g.count)].sort((a, b) => b - a))
        }
      }
    })

    it('the error summary and the search survive a restart', async () => {
      await h.ingest('pi-1', 1, [
        { ts: T0, level: 'error', message: 'upload to "s3://a" failed after 3 tries', component: 'ota' },
        { ts: T0 + 5, level: 'critical', message: 'upload to "s3://b" failed after 12 tries', component: 'ota' },
      ])
      await h.ingest('pi-2', 1, [{ ts: T0 + 9, level: 'error', message: 'upload to "x" failed after 1 tries', component: 'ota' }])
      const before = await h.logs.errorSummary({ ...ALL, limit: 10 })
      await h.reopen()
      await h.ingest('pi-2', 2, [{ ts: T0 + 20, level: 'error', message: 'upload to "y" failed after 2 tries', component: 'ota' }])
      const after = await h.logs.errorSummary({ ...ALL, limit: 10 })
      expect(before).toHaveLength(1)
      expect(after).toEqual([{ ...before[0], count: 4, lastSeen: T0 + 20, message: 'upload to "y" failed after 2 tries' }])
      expect(after[0]).toMatchObject({ pattern: 'upload to <str> failed after <num> tries', component: 'ota', level: 'critical', devices: ['pi-1', 'pi-2'], firstSeen: T0 })
      expect((await h.logs.query({ ...ALL, words: ['upload', 'failed'], limit: 10 })).logs).toHaveLength(4)
      await h.seal()
      expect(await h.logs.errorSummary({ ...ALL, limit: 10 })).toEqual(after)
    })

    it('prune deletes whole expired days: records, postings and error rows, and only those', async () => {
      const day0 = Math.floor(T0 / DAY) * DAY
      const at = (day: number, hour: number) => day0 + day * DAY + hour * 3_600_000
      let seq = 1
      for (let day = 0; day < 5; day++) {
        await h.ingest('pi-1', seq++, [
          { ts: at(day, 1), level: 'error', message: `sensor fault day ${day}`, component: 'sensors' },
          { ts: at(day, 23), level: 'info', message: `sensor ok day ${day}` },
        ])
        if (day === 2) await h.seal()
      }
      // Retention 14 d: at this "now" the cutoff falls inside day 2, so days 0 and 1 expire and day 2 stays whole.
      const now = at(2, 12) + 14 * DAY
      expect(await h.logs.prune(now)).toEqual({ days: 2 })
      expect(await h.logs.prune(now)).toEqual({ days: 0 })
      const kept = (await h.logs.query({ ...ALL, limit: 100 })).logs.map((l) => l.message)
      expect(kept).toEqual(['sensor ok day 4', 'sensor fault day 4', 'sensor ok day 3', 'sensor fault day 3', 'sensor ok day 2', 'sensor fault day 2'])
      expect((await h.logs.query({ ...ALL, words: ['sensor'], limit: 100 })).logs).toHaveLength(6)
      expect((await h.logs.query({ from: -Infinity, to: at(1, 23), device: 'pi-1', limit: 100 })).logs).toEqual([])
      const [group] = await h.logs.errorSummary({ ...ALL, limit: 10 })
      expect(group).toMatchObject({ count: 3, firstSeen: at(2, 1) })
      expect(await h.logs.countByDevice(-8.64e15, 8.64e15)).toEqual(new Map([['pi-1', 6]]))

      await h.reopen()
      expect((await h.logs.query({ ...ALL, levels: ['error' as LogLevel], limit: 100 })).logs).toHaveLength(3)
      const [reopened] = await h.logs.errorSummary({ ...ALL, limit: 10 })
      expect(reopened).toMatchObject({ count: 3, firstSeen: at(2, 1) })
      expect(await h.logs.prune(now)).toEqual({ days: 0 })
    })

    it('counts lines per device within a range, both ends inclusive', async () => {
      await h.ingest('pi-1', 1, [{ ts: T0, level: 'info', message: 'a' }, { ts: T0 + 10, level: 'info', message: 'b' }])
      await h.seal()
      await h.ingest('pi-2', 1, [{ ts: T0 + 10, level: 'info', message: 'c' }, { ts: T0 + 11, level: 'info', message: 'd' }])
      expect(await h.logs.countByDevice(T0, T0 + 10)).toEqual(new Map([['pi-1', 2], ['pi-2', 1]]))
      expect(await h.logs.countByDevice(T0 + 1, T0 + 11)).toEqual(new Map([['pi-1', 1], ['pi-2', 2]]))
      expect(await h.logs.countByDevice(T0 + 12, T0 + 100)).toEqual(new Map())
    })

    it("exports one device's lines oldest first, and purging erases them, their postings and their error groups", async () => {
      await h.ingest('pi-1', 1, [
        { ts: T0 + 2, level: 'error', message: 'modbus timeout 1', component: 'bus', attrs: { port: 2 } },
        { ts: T0, level: 'info', message: 'modbus up' },
      ])
      await h.ingest('pi-2', 1, [{ ts: T0 + 1, level: 'error', message: 'modbus timeout 9', component: 'bus' }])
      await h.seal()
      await h.ingest('pi-1', 2, [{ ts: T0 + DAY, level: 'critical', message: 'modbus gone', component: 'bus' }])
      const exported = []
      for await (const log of h.logs.exportDevice('pi-1')) exported.push(log)
      expect(exported).toEqual([
        { ts: T0, device: 'pi-1', level: 'info', message: 'modbus up' },
        { ts: T0 + 2, device: 'pi-1', level: 'error', message: 'modbus timeout 1', component: 'bus', attrs: { port: 2 } },
        { ts: T0 + DAY, device: 'pi-1', level: 'critical', message: 'modbus gone', component: 'bus' },
      ])

      expect(await h.logs.purgeDevice('pi-1')).toEqual({ records: 3 })
      const left = async () => (await h.logs.query({ ...ALL, words: ['modbus'], limit: 100 })).logs.map((l) => `${l.device} ${l.message}`)
      expect(await left()).toEqual(['pi-2 modbus timeout 9'])
      expect((await h.logs.query({ ...ALL, device: 'pi-1', limit: 100 })).logs).toEqual([])
      expect((await h.logs.errorSummary({ ...ALL, limit: 10 })).map((g) => [g.count, g.devices])).toEqual([[1, ['pi-2']]])
      expect(await h.logs.countByDevice(-8.64e15, 8.64e15)).toEqual(new Map([['pi-2', 1]]))
      const none = []
      for await (const log of h.logs.exportDevice('pi-1')) none.push(log)
      expect(none).toEqual([])
      await h.reopen()
      expect(await left()).toEqual(['pi-2 modbus timeout 9'])
      expect((await h.logs.errorSummary({ ...ALL, limit: 10 })).map((g) => [g.count, g.devices])).toEqual([[1, ['pi-2']]])
      expect(await h.logs.purgeDevice('pi-1')).toEqual({ records: 0 })
    })

    it('keeps lines of any timestamp a device may send, negative and far future included', async () => {
      await h.ingest('pi-1', 1, [
        { ts: -5_000, level: 'info', message: 'before epoch' },
        { ts: 4e15, level: 'info', message: 'far future' },
        { ts: T0, level: 'info', message: 'now' },
      ])
      await h.seal()
      expect((await h.logs.query({ ...ALL, limit: 10 })).logs.map((l) => [l.ts, l.message])).toEqual([[4e15, 'far future'], [T0, 'now'], [-5_000, 'before epoch']])
      expect((await h.logs.query({ from: -10_000, to: 0, limit: 10 })).logs.map((l) => l.message)).toEqual(['before epoch'])
    })
  })
}
