// The self-metrics table as a prom-client registry, for the local listener's `/metrics`. Apart from telemetry.ts so
// that prom-client loads with the listener (on its first request), not with every agent.
import { Counter, Gauge, Registry } from 'prom-client'
import type { Telemetry } from './telemetry.js'

/** A registry that reads `telemetry` at each scrape; label names are fixed per metric from its first reading. */
export function prometheusRegistry(telemetry: Telemetry): Registry {
  const registry = new Registry()
  for (const { def, read } of telemetry.metrics()) {
    const labelNames = [...(def.labelNames ?? new Set(read().flatMap(([labels]) => Object.keys(labels))))]
    const collect = function (this: Counter | Gauge) {
      this.reset()
      for (const [labels, value] of read()) {
        if (this instanceof Counter) this.inc(labels, value)
        else this.set(labels, value)
      }
    }
    const options = { name: def.name, help: def.help, labelNames, registers: [registry], collect }
    if (def.type === 'counter') new Counter(options)
    else new Gauge(options)
  }
  return registry
}
