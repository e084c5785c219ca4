import type { SeriesDef } from '../../../protocol/batch.js'
import type { SystemSource } from '../../../agent/collectors/system/source.js'
import type { CollectorContext, MetricSink } from '../../../agent/collectors/types.js'

/** Fixed readings; override any method to make it fail or return something else. */
export function fakeSystemSource(overrides: Partial<SystemSource> = {}): SystemSource {
  return {
    cpuLoad: async () => ({ total: 0.25, perCpu: [0.5, 0] }),
    load1: () => 1.5,
    memory: async () => ({ used: 3_000, total: 8_000, available: 5_000 }),
    filesystems: async () => [
      { mount: '/', used: 40, size: 100, fsType: 'ext4' },
      { mount: '/data', used: 7, size: 70, fsType: 'XFS' },
      { mount: '/run', used: 1, size: 10, fsType: 'tmpfs' },
      { mount: '/var/lib/docker/overlay2/x/merged', used: 2, size: 20, fsType: 'overlay' },
    ],
    network: async () => [
      { iface: 'lo', rxBytes: 11, txBytes: 11 },
      { iface: 'eth0', rxBytes: 1_000, txBytes: 2_000 },
      { iface: 'wlan0', rxBytes: 30, txBytes: 40 },
    ],
    uptimeSeconds: () => 3_600,
    temperatures: async () => [
      { sensor: 'main', celsius: 48 },
      { sensor: 'core0', celsius: 47.5 },
    ],
    ...overrides,
  }
}

export interface Sample {
  series: SeriesDef
  ts: number
  value: number
}

export function recordingSink(): MetricSink & { samples: Sample[] } {
  const samples: Sample[] = []
  return { samples, add: (series, ts, value) => void samples.push({ series, ts, value }) }
}

export interface LogEntry {
  level: string
  msg: string
  extra?: Record<string, unknown>
}

export function recordingContext(): CollectorContext & { logs: LogEntry[] } {
  const logs: LogEntry[] = []
  return { logs, log: (level, msg, extra) => void logs.push({ level, msg, extra }) }
}
