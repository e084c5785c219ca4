import { describe, expect, it } from 'vitest'
import { parseSystemOptions, systemCollectorPlugin } from '../../../agent/collectors/system/index.js'
import type { SystemSource } from '../../../agent/collectors/system/source.js'
import { fakeSystemSource, recordingContext, recordingSink, type Sample } from './fake-system-source.js'
import { parseOptions } from '../../../kit/options.js'

const NOW = 1_700_000_000_000

async function collectOnce(source: SystemSource, rawOptions: unknown = {}) {
  const plugin = systemCollectorPlugin(() => source)
  const ctx = recordingContext()
  const collector = plugin.create(parseOptions(plugin.options, rawOptions), ctx)
  const sink = recordingSink()
  await collector.collect(sink, NOW)
  return { samples: sink.samples, logs: ctx.logs, collector }
}

/** `name{k="v",…} type unit = value`, sorted, so one assertion shows the whole output. */
function render(samples: Sample[]): string[] {
  return samples
    .map(({ series, value }) => {
      const labels = Object.entries(series.labels).map(([k, v]) => `${k}="${v}"`).join(',')
      return `${series.name}{${labels}} ${series.type} ${series.unit ?? '-'} = ${value}`
    })
    .sort()
}

describe('system collector', () => {
  it('emits every DESIGN §8 series with its labels, type, unit and value, all at the collect time', async () => {
    const { samples, logs, collector } = await collectOnce(fakeSystemSource())
    expect(collector.name).toBe('system')
    expect(render(samples)).toEqual(
      [
        'system_cpu_usage_ratio{cpu="total"} gauge ratio = 0.25',
        'system_load1{} gauge - = 1.5',
        'system_memory_used_bytes{} gauge bytes = 3000',
        'system_memory_total_bytes{} gauge bytes = 8000',
        'system_memory_available_bytes{} gauge bytes = 5000',
        'system_filesystem_used_bytes{mount="/"} gauge bytes = 40',
        'system_filesystem_size_bytes{mount="/"} gauge bytes = 100',
        'system_filesystem_used_bytes{mount="/data"} gauge bytes = 7',
        'system_filesystem_size_bytes{mount="/data"} gauge bytes = 70',
        'system_network_receive_bytes_total{interface="eth0"} counter bytes = 1000',
        'system_network_transmit_bytes_total{interface="eth0"} counter bytes = 2000',
        'system_network_receive_bytes_total{interface="wlan0"} counter bytes = 30',
        'system_network_transmit_bytes_total{interface="wlan0"} counter bytes = 40',
        'system_uptime_seconds{} gauge seconds = 3600',
        'system_temperature_celsius{sensor="main"} gauge celsius = 48',
        'system_temperature_celsius{sensor="core0"} gauge celsius = 47.5',
      ].sort(),
    )
    expect(samples.every((s) => s.ts === NOW)).toBe(true)
    expect(samples.some((s) => 'device' in s.series.labels)).toBe(false)
    expect(logs).toEqual([])
  })

  it('adds one cpu series per logical CPU when perCpu is on', async () => {
    const { samples } = await collectOnce(fakeSystemSource(), { perCpu: true })
    const cpu = samples.filter((s) => s.series.name === 'system_cpu_usage_ratio')
    expect(cpu.map((s) => [s.series.labels.cpu, s.value])).toEqual([
      ['total', 0.25],
      ['0', 0.5],
      ['1', 0],
    ])
  })

  it('skips pseudo filesystems by default and honours a custom excludeTypes list, case-insensitively', async () => {
    const mounts = (samples: Sample[]) =>
      samples.filter((s) => s.series.name === 'system_filesystem_size_bytes').map((s) => s.series.labels.mount)

    expect(mounts((await collectOnce(fakeSystemSource())).samples)).toEqual(['/', '/data'])
    const custom = await collectOnce(fakeSystemSource(), { filesystems: { excludeTypes: ['xfs'] } })
    expect(mounts(custom.samples)).toEqual(['/', '/run', '/var/lib/docker/overlay2/x/merged'])
  })

  it('reports a mount listed twice only once', async () => {
    const source = fakeSystemSource({
      filesystems: async () => [
        { mount: '/', used: 1, size: 10, fsType: 'ext4' },
        { mount: '/', used: 2, size: 20, fsType: 'ext4' },
      ],
    })
    const { samples } = await collectOnce(source)
    expect(samples.filter((s) => s.series.name === 'system_filesystem_size_bytes').map((s) => s.value)).toEqual([10])
  })

  it('honours network.excludeInterfaces', async () => {
    const { samples } = await collectOnce(fakeSystemSource(), { network: { excludeInterfaces: ['wlan0'] } })
    const ifaces = samples
      .filter((s) => s.series.name === 'system_network_receive_bytes_total')
      .map((s) => s.series.labels.interface)
    expect(ifaces).toEqual(['lo', 'eth0'])
  })

  it('emits the other readings and logs once when some readings fail', async () => {
    const source = fakeSystemSource({
      filesystems: async () => {
        throw new Error('df: /mnt/nfs: stale file handle')
      },
      load1: () => {
        throw new Error('no loadavg')
      },
    })
    const { samples, logs } = await collectOnce(source)
    const names = new Set(samples.map((s) => s.series.name))
    expect(names.has('system_filesystem_used_bytes')).toBe(false)
    expect(names.has('system_load1')).toBe(false)
    expect(names).toContain('system_cpu_usage_ratio')
    expect(names).toContain('system_memory_total_bytes')
    expect(names).toContain('system_network_receive_bytes_total')
    expect(names).toContain('system_uptime_seconds')
    expect(logs).toHaveLength(1)
    expect(logs[0].level).toBe('warning')
    expect(logs[0].extra).toEqual({
      failed: { filesystems: 'df: /mnt/nfs: stale file handle', load1: 'no loadavg' },
    })
  })

  it('gives up on a hung reading after timeoutMs and does not start it again while it still runs', async () => {
    let calls = 0
    let finish: (value: []) => void = () => {}
    const source = fakeSystemSource({
      // The first call hangs until the test finishes it; later calls answer at once.
      filesystems: () => {
        calls++
        return calls === 1 ? new Promise((resolve) => (finish = resolve)) : Promise.resolve([])
      },
    })
    const plugin = systemCollectorPlugin(() => source)
    const ctx = recordingContext()
    const collector = plugin.create(parseOptions(plugin.options, { timeoutMs: 20 }), ctx)

    const first = recordingSink()
    await collector.collect(first, NOW)
    expect(first.samples.some((s) => s.series.name === 'system_uptime_seconds')).toBe(true)
    expect(ctx.logs[0].extra).toEqual({ failed: { filesystems: 'timed out after 20 ms' } })

    await collector.collect(recordingSink(), NOW + 10_000)
    expect(calls).toBe(1)
    expect(ctx.logs[1].extra).toEqual({ failed: { filesystems: 'still running from an earlier collect' } })

    finish([])
    await new Promise((resolve) => setImmediate(resolve))
    await collector.collect(recordingSink(), NOW + 20_000)
    expect(calls).toBe(2)
    expect(ctx.logs).toHaveLength(2)
  })

  it('emits no temperature series when the device has no sensors', async () => {
    const { samples, logs } = await collectOnce(fakeSystemSource({ temperatures: async () => [] }))
    expect(samples.some((s) => s.series.name === 'system_temperature_celsius')).toBe(false)
    expect(samples.length).toBeGreaterThan(0)
    expect(logs).toEqual([])
  })

  it('does not read temperatures when the option is off', async () => {
    let read = false
    const source = fakeSystemSource({
      temperatures: async () => {
        read = true
        return [{ sensor: 'main', celsius: 40 }]
      },
    })
    const { samples } = await collectOnce(source, { temperature: false })
    expect(read).toBe(false)
    expect(samples.some((s) => s.series.name === 'system_temperature_celsius')).toBe(false)
  })

  it('drops values the platform could not measure instead of sending NaN', async () => {
    const { samples } = await collectOnce(fakeSystemSource({ cpuLoad: async () => ({ total: Number.NaN }) }))
    expect(samples.some((s) => s.series.name === 'system_cpu_usage_ratio')).toBe(false)
    expect(samples.every((s) => Number.isFinite(s.value))).toBe(true)
  })
})

describe('system collector options', () => {
  it('fills defaults', () => {
    const options = parseSystemOptions(undefined)
    expect(options.perCpu).toBe(false)
    expect(options.temperature).toBe(true)
    expect(options.filesystems.excludeTypes).toEqual(expect.arrayContaining(['tmpfs', 'overlay', 'squashfs', 'proc']))
    expect(options.network.excludeInterfaces).toEqual(['lo'])
    expect(options.timeoutMs).toBe(5000)
  })

  it.each([
    [{ perCpu: 'yes' }, /^perCpu: expected boolean/],
    [{ filesystems: { excludeTypes: ['ext4', 3] } }, /^filesystems\.excludeTypes\[1\]: expected string/],
    [{ filesystems: { exclude: [] } }, /^filesystems\.exclude: unknown option/],
    [{ tempreature: false }, /^tempreature: unknown option/],
    [{ timeoutMs: -1 }, /^timeoutMs: /],
  ])('rejects %j naming the key', (raw, message) => {
    expect(() => parseSystemOptions(raw)).toThrow(message)
  })
})
