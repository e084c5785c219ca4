// One table of the agent's own metrics (DESIGN §8; Vector's instrumentation spec): every self-metric is declared
// once here, and the same declaration feeds both the local listener's `/metrics` and the `outpost_agent_*` samples
// shipped to the hub in each batch, so the two cannot disagree. Inputs count what they accept and drop through it.
// prom-client is loaded only with the listener (agent/telemetry-registry.ts): an agent nobody scrapes never loads it.
import type { Labels, SeriesDef } from '../protocol/batch.js'
import type { MetricSink } from './collectors/types.js'

export interface SelfMetric {
  name: string
  help: string
  type: 'counter' | 'gauge'
  unit?: string
  /** Label names of a metric read by label set; a counter's come from its initial label sets. */
  labelNames?: readonly string[]
}

/** A reading: one value, or values by label set. */
type Reading = number | Array<[Labels, number]>

interface Entry {
  def: SelfMetric
  read: () => Reading
}

/** A counter the table keeps itself (inputs' accepted and dropped records). */
export class SelfCounter {
  private readonly values = new Map<string, [Labels, number]>()

  /** Adds `n` (0 makes the series exist, so a rate works from the first scrape). */
  inc(labels: Labels = {}, n = 1): void {
    const key = JSON.stringify(labels)
    const current = this.values.get(key)
    if (current) current[1] += n
    else this.values.set(key, [labels, n])
  }

  reading(): Array<[Labels, number]> {
    return [...this.values.values()].map(([labels, n]) => [labels, n])
  }
}

export class Telemetry {
  private readonly entries: Entry[] = []
  private readonly series = new Map<string, SeriesDef>()

  /** A metric read from its owner when scraped or shipped (buffer bytes, uplink counters). */
  read(def: SelfMetric, read: () => Reading): void {
    this.add({ def, read })
  }

  /** A counter kept in the table; `labelSets` start at 0. */
  counter(def: Omit<SelfMetric, 'type'>, labelSets: Labels[] = []): SelfCounter {
    const counter = new SelfCounter()
    for (const labels of labelSets) counter.inc(labels, 0)
    this.add({ def: { ...def, type: 'counter' }, read: () => counter.reading() })
    return counter
  }

  /** The names declared, in order. */
  names(): string[] {
    return this.entries.map((e) => e.def.name)
  }

  /** Adds every metric to `sink` as samples at `now` (the batches shipped to the hub). */
  emit(sink: MetricSink, now: number): void {
    for (const { def, read } of this.entries) {
      for (const [labels, value] of readings(read())) sink.add(this.seriesOf(def, labels), now, value)
    }
  }

  /** Each metric with a reader of its current values (the local listener's `/metrics` reads the table so). */
  metrics(): Array<{ def: SelfMetric; read: () => Array<[Labels, number]> }> {
    return this.entries.map(({ def, read }) => ({ def, read: () => readings(read()) }))
  }

  private add(entry: Entry): void {
    if (this.entries.some((e) => e.def.name === entry.def.name)) throw new Error(`self-metric ${entry.def.name} declared twice`)
    this.entries.push(entry)
  }

  private seriesOf(def: SelfMetric, labels: Labels): SeriesDef {
    const key = `${def.name}\u0000${JSON.stringify(labels)}`
    let series = this.series.get(key)
    if (!series) {
      series = Object.freeze({ name: def.name, type: def.type, labels: Object.freeze({ ...labels }), ...(def.unit ? { unit: def.unit } : {}) })
      this.series.set(key, series)
    }
    return series
  }
}

function readings(reading: Reading): Array<[Labels, number]> {
  return typeof reading === 'number' ? [[{}, reading]] : reading
}

