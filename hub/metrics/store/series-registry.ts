import { seriesKey, type Labels, type MetricType, type SeriesDef } from '../../../protocol/batch.js'
import type { SeriesInfo, SeriesSelector } from './types.js'
import { idHex, type BatchOp, type BinarySublevel } from './keys.js'
import { postingOps } from './postings.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'

/** Ids per cluster slot: slot s allocates in [s·2^24, (s+1)·2^24). */
export const SLOT_IDS = 2 ** 24

interface StoredSeries {
  name: string
  type: MetricType
  labels: Labels
  unit?: string
}

export interface ResolvedSeries {
  /** Global series id per entry of the batch's series table. */
  ids: Uint32Array
  /** Series not stored yet: their rows must join the batch's atomic write, then `register` them. */
  created: SeriesInfo[]
}

/**
 * Every stored series in memory (loaded from `m-series` on open), by canonical key and by id.
 * Series carry the `device` label, and one device's ingests run one at a time, so two concurrent ingests
 * never create the same series; ids come from a counter that only grows, so they never create the same id.
 */
export class SeriesRegistry {
  private readonly byKey = new Map<string, SeriesInfo>()
  private readonly byId = new Map<number, SeriesInfo>()
  /** In-memory postings: metric name → its series, and `label=value` → series carrying it (any name). */
  private readonly byName = new Map<string, SeriesInfo[]>()
  private readonly byLabel = new Map<string, SeriesInfo[]>()
  private nextId = 1

  constructor(private readonly table: BinarySublevel) {}

  /**
   * The largest stored id is the counter: ids handed out to writes that never committed are simply skipped. A hub of
   * a cluster allocates in its own slot (the id's top 8 bits, docs/cluster.md), so two hubs never make the same id.
   */
  async load(slot = 0): Promise<void> {
    const [low, high] = slot === 0 ? [0, 2 ** 32] : [slot * SLOT_IDS, (slot + 1) * SLOT_IDS]
    this.nextId = Math.max(1, low)
    for await (const [key, value] of this.table.iterator()) {
      const info = this.decode(key, value)
      this.add(info)
      if (info.id >= low && info.id < high) this.nextId = Math.max(this.nextId, info.id + 1)
    }
  }

  /** Adds the series other hubs stored since the last load or sync (a shared store, docs/cluster.md). */
  async sync(): Promise<void> {
    const unknown = (await this.table.keys().all()).filter((key) => !this.byId.has(parseInt(key, 16)))
    if (unknown.length === 0) return
    const values = await this.table.getMany(unknown)
    unknown.forEach((key, i) => {
      const value = values[i]
      if (value && !this.byId.has(parseInt(key, 16))) this.add(this.decode(key, value))
    })
  }

  private decode(key: string, value: Uint8Array): SeriesInfo {
    const stored = decodeStored<StoredSeries>(value)
    const info: SeriesInfo = { id: parseInt(key, 16), name: stored.name, type: stored.type, labels: stored.labels }
    if (stored.unit !== undefined) info.unit = stored.unit
    return info
  }

  get size(): number {
    return this.byId.size
  }

  get(id: number): SeriesInfo | undefined {
    return this.byId.get(id)
  }

  all(): SeriesInfo[] {
    return [...this.byId.values()]
  }

  names(): string[] {
    return [...new Set([...this.byId.values()].map((info) => info.name))].sort()
  }

  /** The hub adds the `device` label to every series (DESIGN §8); it wins over a label the agent sent. */
  resolve(defs: readonly SeriesDef[], device: string): ResolvedSeries {
    const ids = new Uint32Array(defs.length)
    const created: SeriesInfo[] = []
    const createdByKey = new Map<string, SeriesInfo>()
    defs.forEach((def, index) => {
      const labels = sortedLabels({ ...def.labels, device })
      const key = seriesKey(def.name, labels)
      let info = this.byKey.get(key) ?? createdByKey.get(key)
      if (!info) {
        info = { id: this.nextId++, name: def.name, type: def.type, labels }
        if (def.unit !== undefined) info.unit = def.unit
        created.push(info)
        createdByKey.set(key, info)
      }
      ids[index] = info.id
    })
    return { ids, created }
  }

  /** Rows for new series: the definition and its postings. */
  writeOps(created: readonly SeriesInfo[], postings: BinarySublevel): BatchOp[] {
    const ops: BatchOp[] = []
    for (const info of created) {
      const stored: StoredSeries = { name: info.name, type: info.type, labels: info.labels }
      if (info.unit !== undefined) stored.unit = info.unit
      ops.push({ type: 'put', sublevel: this.table, key: idHex(info.id), value: encodeStored(stored) })
      ops.push(...postingOps(postings, info))
    }
    return ops
  }

  /** Call once the rows from writeOps are committed. */
  register(created: readonly SeriesInfo[]): void {
    for (const info of created) if (!this.byId.has(info.id)) this.add(info)
  }

  /** Forgets series (a purged device's); their ids are never handed out again. */
  unregister(series: readonly SeriesInfo[]): void {
    const gone = new Set(series.map((s) => s.id))
    for (const info of series) {
      this.byKey.delete(seriesKey(info.name, info.labels))
      this.byId.delete(info.id)
    }
    for (const index of [this.byName, this.byLabel]) {
      for (const [term, list] of index) {
        const kept = list.filter((s) => !gone.has(s.id))
        if (kept.length === 0) index.delete(term)
        else if (kept.length !== list.length) index.set(term, kept)
      }
    }
  }

  /**
   * Series matching the selector, through the in-memory postings: the shortest posting list among the name's
   * and each label pair's is checked against the rest (every series when the selector is empty).
   */
  select(selector: SeriesSelector): SeriesInfo[] {
    const lists: SeriesInfo[][] = []
    if (selector.name !== undefined) lists.push(this.byName.get(selector.name) ?? [])
    for (const [label, value] of Object.entries(selector.labels ?? {})) lists.push(this.byLabel.get(labelTerm(label, value)) ?? [])
    if (lists.length === 0) return this.all()
    const shortest = lists.reduce((a, b) => (b.length < a.length ? b : a))
    return shortest.filter((info) => this.matches(info, selector))
  }

  matches(info: SeriesInfo, selector: SeriesSelector): boolean {
    if (selector.name !== undefined && info.name !== selector.name) return false
    return Object.entries(selector.labels ?? {}).every(([label, value]) => info.labels[label] === value)
  }

  private add(info: SeriesInfo): void {
    this.byKey.set(seriesKey(info.name, info.labels), info)
    this.byId.set(info.id, info)
    append(this.byName, info.name, info)
    for (const [label, value] of Object.entries(info.labels)) append(this.byLabel, labelTerm(label, value), info)
  }
}

function labelTerm(label: string, value: string): string {
  return `${label}=${value}`
}

function append(index: Map<string, SeriesInfo[]>, term: string, info: SeriesInfo): void {
  const list = index.get(term)
  if (list) list.push(info)
  else index.set(term, [info])
}

function sortedLabels(labels: Labels): Labels {
  const sorted: Labels = {}
  for (const key of Object.keys(labels).sort()) sorted[key] = labels[key]
  return sorted
}
