// The system readings on Linux straight from /proc and /sys (docs/agent.md, footprint): systeminformation spawns
// `df` for filesystems every collect and loads a large module; these are a few small file reads and statfs calls.
import { readdir, readFile, statfs } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import type { CpuLoad, FilesystemReading, NetworkReading, SystemSource, TemperatureReading } from './source.js'

interface CpuTimes {
  busy: number
  total: number
}

/** `root` is `/` on a device; tests point it at a directory holding a fake `proc/` and `sys/`. */
export function linuxSource(root = '/'): SystemSource {
  const path = (p: string) => join(root, p)
  let previous: CpuTimes[] | undefined
  return {
    async cpuLoad() {
      const now = parseProcStat(await readFile(path('proc/stat'), 'utf8'))
      // Busy share since the previous reading (since boot on the first), as systeminformation's currentLoad.
      const share = (cur: CpuTimes, prev?: CpuTimes) => {
        const total = cur.total - (prev?.total ?? 0)
        return total > 0 ? round4((cur.busy - (prev?.busy ?? 0)) / total) : 0
      }
      const load: CpuLoad = { total: share(now[0], previous?.[0]), perCpu: now.slice(1).map((c, i) => share(c, previous?.[i + 1])) }
      previous = now
      return load
    },
    load1: () => os.loadavg()[0],
    async memory() {
      const info = parseMeminfo(await readFile(path('proc/meminfo'), 'utf8'))
      const total = info.MemTotal * 1024
      // Kernels before 3.14 have no MemAvailable: free + buffers + page cache is what it estimates.
      const available = (info.MemAvailable ?? info.MemFree + (info.Buffers ?? 0) + (info.Cached ?? 0)) * 1024
      return { used: Math.max(0, total - available), total, available }
    },
    async filesystems() {
      const mounts = parseMounts(await readFile(path('proc/self/mounts'), 'utf8'))
      const out: FilesystemReading[] = []
      for (const m of mounts) {
        // A mount that cannot be read (permissions, gone) is left out, as df does.
        const s = await statfs(m.mount).catch(() => undefined)
        if (!s) continue
        out.push({ mount: m.mount, fsType: m.fsType, size: s.blocks * s.bsize, used: (s.blocks - s.bfree) * s.bsize })
      }
      return out
    },
    async network() {
      // Interfaces with an address, as systeminformation lists them (down ones such as ifb0 would be flat series).
      const up = new Set(Object.keys(os.networkInterfaces()))
      return parseNetDev(await readFile(path('proc/net/dev'), 'utf8')).filter((n) => root !== '/' || up.has(n.iface))
    },
    uptimeSeconds: () => os.uptime(),
    temperatures: () => readTemperatures(path('sys/class')),
  }
}

const round4 = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 10_000) / 10_000

/** `cpu` and `cpuN` lines: busy = all ticks but idle and iowait (as top and systeminformation count them). */
export function parseProcStat(text: string): CpuTimes[] {
  const out: CpuTimes[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue
    const [, ...fields] = line.trim().split(/\s+/)
    // guest and guest_nice are already inside user and nice.
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields.map(Number)
    const total = user + nice + system + idle + iowait + irq + softirq + steal
    out.push({ busy: total - idle - iowait, total })
  }
  return out
}

export function parseMeminfo(text: string): Record<string, number> & { MemTotal: number; MemFree: number } {
  const out: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line)
    if (m) out[m[1]] = Number(m[2])
  }
  return out as Record<string, number> & { MemTotal: number; MemFree: number }
}

/** /proc/self/mounts escapes space, tab, newline and backslash in octal (`\040`). */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))

export function parseMounts(text: string): Array<{ mount: string; fsType: string }> {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [, mount, fsType] = line.split(' ')
      return { mount: unescapeMount(mount), fsType }
    })
}

/** Receive bytes is the first number after `iface:`, transmit bytes the ninth. */
export function parseNetDev(text: string): NetworkReading[] {
  const out: NetworkReading[] = []
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number)
    out.push({ iface: line.slice(0, colon).trim(), rxBytes: fields[0], txBytes: fields[8] })
  }
  return out
}

/**
 * CPU temperatures named as the systeminformation source names them: hwmon `coretemp`/`k10temp`/`zenpower`
 * packages and Tctl/Tdie are `main` (and `socketN`), cores `coreN`; without those, the first thermal zone (a
 * Raspberry Pi's `cpu-thermal`) is `main`. Values are millidegrees in sysfs.
 */
async function readTemperatures(sysClass: string): Promise<TemperatureReading[]> {
  const out: TemperatureReading[] = []
  const read = (p: string) => readFile(p, 'utf8').then((t) => t.trim(), () => undefined)
  const hwmon = join(sysClass, 'hwmon')
  for (const dev of await readdir(hwmon).catch(() => [] as string[])) {
    const name = await read(join(hwmon, dev, 'name'))
    if (!name || !['coretemp', 'k10temp', 'zenpower', 'cpu_thermal'].includes(name)) continue
    const files = (await readdir(join(hwmon, dev)).catch(() => [] as string[])).filter((f) => /^temp\d+_input$/.test(f)).sort()
    let sockets = 0
    for (const f of files) {
      const celsius = Number(await read(join(hwmon, dev, f))) / 1000
      if (!Number.isFinite(celsius)) continue
      const label = (await read(join(hwmon, dev, f.replace('_input', '_label')))) ?? ''
      const core = /^Core (\d+)$/.exec(label)
      if (core) out.push({ sensor: `core${core[1]}`, celsius })
      else if (/^(Package id \d+|Tctl|Tdie|)$/.test(label)) {
        if (!out.some((t) => t.sensor === 'main')) out.push({ sensor: 'main', celsius })
        if (/^Package id/.test(label)) out.push({ sensor: `socket${sockets++}`, celsius })
      }
    }
  }
  if (out.length > 0) return out
  const zone = await read(join(sysClass, 'thermal', 'thermal_zone0', 'temp'))
  const celsius = Number(zone) / 1000
  return zone !== undefined && Number.isFinite(celsius) ? [{ sensor: 'main', celsius }] : []
}
