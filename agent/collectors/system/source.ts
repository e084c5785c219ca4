// The narrow interface between the system collector and the OS (STYLE: Telegraf's `PS`), so tests use a fake.
import os from 'node:os'

export interface CpuLoad {
  /** Busy share of all CPUs since the previous reading, 0..1. */
  total: number
  /** Busy share per logical CPU, 0..1, indexed as the OS numbers them. */
  perCpu?: number[]
}

export interface MemoryReading {
  /** Bytes not available to new work: total − available (buffers and page cache count as available). */
  used: number
  total: number
  available: number
}

export interface FilesystemReading {
  mount: string
  used: number
  size: number
  fsType: string
}

export interface NetworkReading {
  iface: string
  /** Bytes since boot (a counter). */
  rxBytes: number
  txBytes: number
}

export interface TemperatureReading {
  sensor: string
  celsius: number
}

/** Raw readings; the collector filters them by its options. Any method may throw or reject. */
export interface SystemSource {
  cpuLoad(): Promise<CpuLoad>
  /** One-minute load average (0 where the OS has none, e.g. Windows). */
  load1(): number
  memory(): Promise<MemoryReading>
  /** Every mounted filesystem, pseudo ones included. */
  filesystems(): Promise<FilesystemReading[]>
  /** Every interface, loopback included. */
  network(): Promise<NetworkReading[]>
  uptimeSeconds(): number
  /** Empty when the device has no readable sensors. */
  temperatures(): Promise<TemperatureReading[]>
}


type SystemInformation = typeof import('systeminformation')
let siModule: Promise<SystemInformation> | undefined
// Loaded on first use only: most devices run Linux and never need it (docs/agent.md, footprint).
const loadSi = () => (siModule ??= import('systeminformation').then((m) => ((m as { default?: SystemInformation }).default ?? m) as SystemInformation))

/** The real OS through `systeminformation` v5 and `node:os`. */
export function systeminformationSource(): SystemSource {
  return {
    async cpuLoad() {
      const si = await loadSi()
      // si reports percent since its previous call (since boot on the first call).
      const load = await si.currentLoad()
      return { total: percentToRatio(load.currentLoad), perCpu: load.cpus.map((c) => percentToRatio(c.load)) }
    },
    load1: () => os.loadavg()[0],
    async memory() {
      const si = await loadSi()
      const mem = await si.mem()
      return { used: Math.max(0, mem.total - mem.available), total: mem.total, available: mem.available }
    },
    async filesystems() {
      const si = await loadSi()
      const list = await si.fsSize()
      return list.map((f) => ({ mount: f.mount, used: f.used, size: f.size, fsType: f.type }))
    },
    async network() {
      const si = await loadSi()
      const list = await si.networkStats('*')
      return list.map((n) => ({ iface: n.iface, rxBytes: n.rx_bytes, txBytes: n.tx_bytes }))
    },
    uptimeSeconds: () => os.uptime(),
    async temperatures() {
      const si = await loadSi()
      const t = await si.cpuTemperature()
      const readings: TemperatureReading[] = []
      const push = (sensor: string, celsius: number | null | undefined) => {
        // si gives null (Linux) or -1 (older versions, other platforms) when there is no sensor.
        if (typeof celsius === 'number' && Number.isFinite(celsius) && celsius !== -1) readings.push({ sensor, celsius })
      }
      push('main', t.main)
      t.cores.forEach((c, i) => push(`core${i}`, c))
      t.socket?.forEach((c, i) => push(`socket${i}`, c))
      push('chipset', t.chipset)
      return readings
    },
  }
}

/** Percent to a 0..1 ratio, kept to 4 decimals: the kernel's tick counters carry no more, and the rest only costs
 *  bytes on the wire and in the store. */
function percentToRatio(percent: number): number {
  return Math.round(Math.min(1, Math.max(0, percent / 100)) * 10_000) / 10_000
}
