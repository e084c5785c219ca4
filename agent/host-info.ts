// The `host` part of the agent's status birth message (DESIGN §3): what the device is, not what the agent is.
import { readFile } from 'node:fs/promises'
import os from 'node:os'

/** A type alias (not an interface) so it fits `StatusMessage.host: Record<string, unknown>`. */
export type HostInfo = {
  hostname: string
  platform: string
  /** Distribution name, e.g. "Ubuntu"; the OS type ("Linux") when systeminformation did not answer. */
  distro: string
  /** Distribution release, e.g. "22.04"; the kernel release when systeminformation did not answer. */
  release: string
  kernel: string
  arch: string
  cpus: number
  cpuModel: string
  memoryTotalBytes: number
}

export interface HostInfoOptions {
  /** How long to wait for the detailed probe before answering from `node:os` alone. */
  timeoutMs?: number
  /** The detailed probe; tests pass a slow or failing one. Defaults to os-release on Linux, systeminformation elsewhere. */
  probe?: () => Promise<Partial<HostInfo>>
}

/** Resolves within about `timeoutMs` (default 2 s) and never rejects. */
export async function hostInfo(options: HostInfoOptions = {}): Promise<HostInfo> {
  const { timeoutMs = 2000, probe = os.platform() === 'linux' ? osReleaseProbe : systeminformationProbe } = options
  const base = osHostInfo()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs)
  })
  // A slow or failing probe only costs detail: the birth message must not wait on it.
  const detailed = await Promise.race([probe().catch(() => undefined), timedOut])
  clearTimeout(timer)
  return detailed ? { ...base, ...definedOnly(detailed) } : base
}

function osHostInfo(): HostInfo {
  const cpus = os.cpus()
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    distro: os.type(),
    release: os.release(),
    kernel: os.release(),
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? '',
    memoryTotalBytes: os.totalmem(),
  }
}

/** Linux names its distribution in os-release(5); node:os has the rest (systeminformation would cost ~4 MiB). */
async function osReleaseProbe(): Promise<Partial<HostInfo>> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => readFile('/usr/lib/os-release', 'utf8'))
  const fields = parseOsRelease(text)
  return { distro: fields.NAME, release: fields.VERSION_ID ?? fields.BUILD_ID }
}

/** `KEY=value` lines, values optionally quoted (os-release(5)). */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (m) fields[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2').replace(/\\(["'$`\\])/g, '$1')
  }
  return fields
}

async function systeminformationProbe(): Promise<Partial<HostInfo>> {
  const { default: si } = await import('systeminformation')
  const [osInfo, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()])
  return {
    hostname: osInfo.hostname,
    platform: osInfo.platform,
    distro: osInfo.distro,
    release: osInfo.release,
    kernel: osInfo.kernel,
    arch: osInfo.arch,
    cpus: cpu.cores,
    cpuModel: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' '),
    memoryTotalBytes: mem.total,
  }
}

/** Keeps the `node:os` value where the probe gave nothing useful (empty string, 0, null). */
function definedOnly(info: Partial<HostInfo>): Partial<HostInfo> {
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== 0))
}
