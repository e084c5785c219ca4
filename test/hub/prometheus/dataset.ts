// One dataset for the PromQL conformance tests, written to the hub and to a real Prometheus alike: gauges,
// counters with resets, histogram buckets, gaps and several devices. Sample times carry odd millisecond phases
// so no sample sits on a window edge of the minute-aligned query times (Prometheus 2.42's windows are [t−r, t],
// the hub's too, but an edge would make the comparison depend on it).

export interface DataSeries {
  name: string
  type: 'gauge' | 'counter' | 'histogram'
  device: string
  labels: Record<string, string>
  ts: number[]
  values: number[]
}

export const STEP_MS = 15_000
export const DEVICES = ['d1', 'd2', 'd3']

/** A small deterministic generator (LCG), so both systems get the same numbers every run. */
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0
    return s / 2 ** 32
  }
}

export function makeDataset(t0: number, hours: number): DataSeries[] {
  const out: DataSeries[] = []
  const steps = (hours * 3_600_000) / STEP_MS
  DEVICES.forEach((device, d) => {
    const zone = d === 1 ? 'b' : 'a'
    const phase = 1237 + d * 3111
    // d3 is silent for 20 minutes in the middle; its samples in that gap are not written.
    const inGap = (k: number) => device === 'd3' && k >= steps / 2 && k < steps / 2 + 80
    const times = (shift = 0) => Array.from({ length: steps }, (_, k) => t0 + k * STEP_MS + phase + shift).filter((_, k) => !inGap(k))
    const random = rng(17 + d)

    for (const sensor of ['s1', 's2']) {
      const ts = times(sensor === 's2' ? 2_000 : 0)
      const values = ts.map((_, k) => Math.round((20 + d * 3 + 5 * Math.sin(k / 40) + random() * 2) * 1000) / 1000)
      out.push({ name: 'temp_celsius', type: 'gauge', device, labels: { sensor, zone }, ts, values })
    }
    {
      const ts = times(500)
      // A series that stops two thirds of the way: absent() and the lookback see it vanish.
      const cut = Math.floor((ts.length * 2) / 3)
      out.push({ name: 'queue_depth', type: 'gauge', device, labels: {}, ts: ts.slice(0, cut), values: ts.slice(0, cut).map(() => Math.floor(random() * 50)) })
    }
    for (const code of ['200', '500']) {
      const ts = times(code === '500' ? 4_000 : 1_000)
      let v = 0
      const values = ts.map((_, k) => {
        // Resets: d1's counters restart every 300 samples, d2's once.
        if ((device === 'd1' && k > 0 && k % 300 === 0) || (device === 'd2' && k === 500)) v = 0
        v += Math.floor(random() * (code === '200' ? 100 : 5))
        return v
      })
      out.push({ name: 'requests_total', type: 'counter', device, labels: { code, zone }, ts, values })
    }
    {
      const ts = times(3_000)
      const bounds = ['0.1', '0.5', '1', '+Inf']
      const cumulative = bounds.map(() => 0)
      const rows = bounds.map(() => [] as number[])
      const sums: number[] = []
      const counts: number[] = []
      let sum = 0
      for (let k = 0; k < ts.length; k++) {
        const n = Math.floor(random() * 20)
        for (let j = 0; j < n; j++) {
          const x = random() ** 2 * 1.5
          sum += x
          bounds.forEach((b, i) => {
            if (x <= Number(b === '+Inf' ? Infinity : b)) cumulative[i]++
          })
        }
        bounds.forEach((_, i) => rows[i].push(cumulative[i]))
        sums.push(Math.round(sum * 1e6) / 1e6)
        counts.push(cumulative[bounds.length - 1])
      }
      bounds.forEach((le, i) => out.push({ name: 'latency_seconds_bucket', type: 'histogram', device, labels: { le }, ts, values: rows[i] }))
      out.push({ name: 'latency_seconds_sum', type: 'histogram', device, labels: {}, ts, values: sums })
      out.push({ name: 'latency_seconds_count', type: 'histogram', device, labels: {}, ts, values: counts })
    }
  })
  return out
}
