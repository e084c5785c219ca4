// DESIGN §8: the system metric names, in base units. No `device` label here: the hub adds it.
import type { Labels, MetricType, SeriesDef } from '../../../protocol/batch.js'
import type { MetricSink } from '../types.js'
import type { CpuLoad, FilesystemReading, MemoryReading, NetworkReading, TemperatureReading } from './source.js'

/** Readings of one collect; a reading that failed or is switched off is undefined. */
export interface SystemReadings {
  cpu?: CpuLoad
  load1?: number
  memory?: MemoryReading
  filesystems?: FilesystemReading[]
  network?: NetworkReading[]
  uptimeSeconds?: number
  temperatures?: TemperatureReading[]
}

export interface EmitOptions {
  perCpu: boolean
  excludeFsTypes: ReadonlySet<string>
  excludeInterfaces: ReadonlySet<string>
}

/** Writes every available reading to the sink, all at `now`. */
export function emitSystemMetrics(sink: MetricSink, now: number, r: SystemReadings, opts: EmitOptions): void {
  const put = (name: string, type: MetricType, unit: string | undefined, labels: Labels, value: number) => {
    // A platform that cannot measure something gives NaN or null: send nothing rather than a bogus sample.
    if (typeof value !== 'number' || !Number.isFinite(value)) return
    const series: SeriesDef = unit ? { name, type, labels, unit } : { name, type, labels }
    sink.add(series, now, value)
  }

  if (r.cpu) {
    put('system_cpu_usage_ratio', 'gauge', 'ratio', { cpu: 'total' }, r.cpu.total)
    if (opts.perCpu) r.cpu.perCpu?.forEach((v, i) => put('system_cpu_usage_ratio', 'gauge', 'ratio', { cpu: String(i) }, v))
  }
  if (r.load1 !== undefined) put('system_load1', 'gauge', undefined, {}, r.load1)
  if (r.memory) {
    put('system_memory_used_bytes', 'gauge', 'bytes', {}, r.memory.used)
    put('system_memory_total_bytes', 'gauge', 'bytes', {}, r.memory.total)
    put('system_memory_available_bytes', 'gauge', 'bytes', {}, r.memory.available)
  }
  const seenMounts = new Set<string>()
  for (const fs of r.filesystems ?? []) {
    // The same mount can be listed twice (bind mounts, stacked mounts): keep the first, as `df` shows it.
    if (opts.excludeFsTypes.has(fs.fsType.toLowerCase()) || seenMounts.has(fs.mount)) continue
    seenMounts.add(fs.mount)
    put('system_filesystem_used_bytes', 'gauge', 'bytes', { mount: fs.mount }, fs.used)
    put('system_filesystem_size_bytes', 'gauge', 'bytes', { mount: fs.mount }, fs.size)
  }
  for (const n of r.network ?? []) {
    if (opts.excludeInterfaces.has(n.iface)) continue
    put('system_network_receive_bytes_total', 'counter', 'bytes', { interface: n.iface }, n.rxBytes)
    put('system_network_transmit_bytes_total', 'counter', 'bytes', { interface: n.iface }, n.txBytes)
  }
  if (r.uptimeSeconds !== undefined) put('system_uptime_seconds', 'gauge', 'seconds', {}, r.uptimeSeconds)
  for (const t of r.temperatures ?? []) {
    put('system_temperature_celsius', 'gauge', 'celsius', { sensor: t.sensor }, t.celsius)
  }
}
