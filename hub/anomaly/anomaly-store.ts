// Where anomaly detection keeps its state in the hub's LevelDB (DESIGN §6): each series' detector state (bytes) with
// its open event, the per-sample scores (one row per series per checkpoint), and the events. A checkpoint is one
// atomic batch, so the state and the scores it produced are never out of step: after a crash both stop at the same
// sample and the hub catches up from the metric store (service.ts).
import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import type { Labels } from '../../protocol/batch.js'
import type { OpenEvent } from './events.js'

/** One anomaly event as /v1/anomalies lists it (docs/anomaly.md). */
export interface AnomalyEvent {
  id: string
  device: string
  name: string
  labels: Labels
  start: number
  end: number
  /** Still open: the series is anomalous now or was within the last `quiet` samples. */
  open: boolean
  maxScore: number
  value: number
  expected: number
  band: [number, number]
  detector: string
}

export interface SavedSeries {
  state: Uint8Array
  /** The open event and its id, if any. */
  open?: OpenEvent & { id: string }
  /** An event was open at the previous checkpoint (so a closed one is deleted). */
  hadOpen?: boolean
}

/** Float64s of stored bytes (copied: LevelDB's buffers need not be 8-byte aligned). */
function toFloats(bytes: Uint8Array): Float64Array {
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  return new Float64Array(copy.buffer)
}

/** Scores of one series from one checkpoint: sample times and scores. */
interface ScoreRow {
  ts: number[]
  s: number[]
}

export interface Checkpoint {
  states: Array<[string, SavedSeries]>
  scores: Array<[string, ScoreRow]>
  events: AnomalyEvent[]
}

const pad = (n: number) => String(Math.max(0, Math.floor(n))).padStart(15, '0')

export class AnomalyStore {
  private readonly states
  private readonly scores
  private readonly events

  private readonly open

  constructor(db: Database) {
    // States and scores are raw bytes (no JSON, no base64): a checkpoint of 200,000 series is mostly these.
    this.states = table<'anomaly-state', Uint8Array>(db, 'anomaly-state')
    this.open = table<'anomaly-open', OpenEvent & { id: string }>(db, 'anomaly-open')
    this.scores = table<'anomaly-scores', Uint8Array>(db, 'anomaly-scores')
    this.events = table<'anomaly-events', AnomalyEvent>(db, 'anomaly-events')
  }

  async load(seriesKey: string): Promise<SavedSeries | undefined> {
    const state = await this.states.get(seriesKey)
    if (!state) return undefined
    return { state, open: await this.open.get(seriesKey) }
  }

  async write(c: Checkpoint): Promise<void> {
    if (c.states.length + c.scores.length + c.events.length === 0) return
    const ops: any[] = []
    for (const [key, s] of c.states) {
      ops.push({ type: 'put', sublevel: this.states, key, value: s.state })
      // The open event travels with the state it belongs to (absent: none open).
      if (s.open) ops.push({ type: 'put', sublevel: this.open, key, value: s.open })
      else if (s.hadOpen) ops.push({ type: 'del', sublevel: this.open, key })
    }
    // Keyed by series then first time, so one series' scores over a range are one contiguous scan; (ts, score) pairs.
    for (const [key, row] of c.scores) {
      const pairs = new Float64Array(2 * row.ts.length)
      for (let i = 0; i < row.ts.length; i++) {
        pairs[2 * i] = row.ts[i]
        pairs[2 * i + 1] = row.s[i]
      }
      ops.push({ type: 'put', sublevel: this.scores, key: `${key}\u0002${pad(row.ts[0])}`, value: new Uint8Array(pairs.buffer) })
    }
    for (const e of c.events) ops.push({ type: 'put', sublevel: this.events, key: e.id, value: e })
    await this.states.db.batch(ops)
  }

  /** Scores of a series in [from, to], ascending by time. */
  async readScores(seriesKey: string, from: number, to: number): Promise<{ ts: number[]; values: number[] }> {
    const ts: number[] = []
    const values: number[] = []
    // A row starting before `from` may reach into the range: start one day earlier (checkpoints are far shorter).
    for await (const bytes of this.scores.values({ gte: `${seriesKey}\u0002${pad(from - 86_400_000)}`, lte: `${seriesKey}\u0002${pad(to)}` })) {
      const pairs = toFloats(bytes)
      for (let i = 0; i < pairs.length; i += 2) {
        if (pairs[i] >= from && pairs[i] <= to) {
          ts.push(pairs[i])
          values.push(pairs[i + 1])
        }
      }
    }
    return { ts, values }
  }

  /** Events whose start is in [from − lookback, to], ids sorting by start time. */
  async *eventsBetween(from: number, to: number): AsyncIterable<AnomalyEvent> {
    yield* this.events.values({ gte: pad(from), lte: `${pad(to)}\uffff` })
  }

  /**
   * Erases every state, open event, score row and event of `device` (device purge, docs/security.md). A series is the
   * device's when its key carries the label `device` = `device` (the hub adds that label to every series).
   */
  async purgeDevice(device: string): Promise<{ series: number; events: number }> {
    const mark = `\u0000device\u0001${device}`
    const owned = (key: string) => {
      const at = key.indexOf(mark)
      return at >= 0 && (at + mark.length === key.length || key[at + mark.length] === '\u0000')
    }
    const keys: string[] = []
    for await (const key of this.states.keys()) if (owned(key)) keys.push(key)
    const ops: any[] = []
    for (const key of keys) {
      ops.push({ type: 'del', sublevel: this.states, key }, { type: 'del', sublevel: this.open, key })
      for await (const k of this.scores.keys({ gte: `${key}\u0002`, lt: `${key}\u0003` })) ops.push({ type: 'del', sublevel: this.scores, key: k })
    }
    let events = 0
    for await (const [k, e] of this.events.iterator()) {
      if (e.device !== device) continue
      ops.push({ type: 'del', sublevel: this.events, key: k })
      events++
    }
    if (ops.length) await this.states.db.batch(ops)
    return { series: keys.length, events }
  }

  /** Deletes scores and finished events older than `cutoff` (retention). */
  async prune(cutoff: number): Promise<number> {
    let n = 0
    const ops: any[] = []
    for await (const [k, e] of this.events.iterator({ lt: pad(cutoff) })) {
      if (!e.open && e.end < cutoff) ops.push({ type: 'del', key: k })
    }
    n += ops.length
    if (ops.length) await this.events.batch(ops)
    const scoreOps: any[] = []
    for await (const [k, bytes] of this.scores.iterator()) {
      const pairs = toFloats(bytes)
      if (pairs[pairs.length - 2] < cutoff) scoreOps.push({ type: 'del', key: k })
      if (scoreOps.length >= 10_000) {
        await this.scores.batch(scoreOps.splice(0))
      }
    }
    n += scoreOps.length
    if (scoreOps.length) await this.scores.batch(scoreOps)
    return n
  }
}

/** An event id: its start time then the series, so ids sort by start. */
export function eventId(start: number, seriesKey: string): string {
  return `${pad(start)}-${Buffer.from(seriesKey).toString('base64url').slice(0, 200)}`
}
