import { describe, expect, it } from 'vitest'
import { createCollectors } from '../../../agent/collectors/registry.js'
import { systeminformationSource } from '../../../agent/collectors/system/source.js'

// Runs against this machine: only checks what holds on any host.
describe('systeminformationSource on this machine', () => {
  it('reads plausible values', async () => {
    const source = systeminformationSource()
    const cpu = await source.cpuLoad()
    expect(cpu.total).toBeGreaterThanOrEqual(0)
    expect(cpu.total).toBeLessThanOrEqual(1)
    for (const v of cpu.perCpu ?? []) expect(v >= 0 && v <= 1).toBe(true)

    const mem = await source.memory()
    expect(mem.total).toBeGreaterThan(0)
    expect(mem.used).toBeGreaterThanOrEqual(0)
    expect(mem.used).toBeLessThanOrEqual(mem.total)

    expect(source.uptimeSeconds()).toBeGreaterThan(0)
    expect(source.load1()).toBeGreaterThanOrEqual(0)

    for (const t of await source.temperatures()) {
      expect(Number.isFinite(t.celsius)).toBe(true)
      expect(t.celsius).not.toBe(-1)
    }
  })
})

describe('the builtin system collector on this machine', () => {
  it('emits memory, uptime and cpu through the registry', async () => {
    const [system] = createCollectors({ system: true }, { log: () => {} })
    const names = new Set<string>()
    await system.collect({ add: (series) => void names.add(series.name) }, Date.now())
    for (const name of ['system_cpu_usage_ratio', 'system_memory_total_bytes', 'system_uptime_seconds']) {
      expect(names).toContain(name)
    }
  })
})
