import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { OptionsError } from '../../../kit/options.js'
import { builtinCollectors, createCollectors } from '../../../agent/collectors/registry.js'
import { systemCollectorPlugin } from '../../../agent/collectors/system/index.js'
import type { CollectorPlugin } from '../../../agent/collectors/types.js'
import { fakeSystemSource, recordingContext, recordingSink } from './fake-system-source.js'

/** A registry whose system collector reads the fake, plus a plugin that throws a plain Error. */
function testRegistry() {
  const picky: CollectorPlugin = {
    name: 'picky',
    description: 'rejects any options',
    options: z.unknown().refine(() => false, 'picky wants nothing'),
    create: () => ({ name: 'picky', collect: async () => {} }),
  }
  return builtinCollectors().with(systemCollectorPlugin(() => fakeSystemSource())).with(picky)
}

describe('collector registry', () => {
  it('lists the system collector among the builtins; adding one makes a new registry', () => {
    const a = builtinCollectors()
    expect(a.names()).toContain('system')
    expect(a.get('system')?.description).toBeTruthy()
    const b = a.with({ name: 'extra', description: 'test', options: z.object({}), create: () => ({ name: 'extra', collect: async () => {} }) })
    expect(b.names()).toEqual(['extra', 'system'])
    expect(a.names()).toEqual(['system'])
  })

  it('creates working collectors for true, null and option objects and skips false', async () => {
    const ctx = recordingContext()
    expect(createCollectors({ system: false }, ctx, testRegistry())).toEqual([])
    for (const value of [true, null, {}, { perCpu: true }]) {
      const [system, ...rest] = createCollectors({ system: value }, ctx, testRegistry())
      expect(rest).toEqual([])
      expect(system.name).toBe('system')
      const sink = recordingSink()
      await system.collect(sink, 1)
      expect(sink.samples.map((s) => s.series.name)).toContain('system_memory_total_bytes')
    }
  })

  it('names an unknown collector and lists the known ones', () => {
    const call = () => createCollectors({ sytem: true }, recordingContext(), testRegistry())
    expect(call).toThrow(OptionsError)
    expect(call).toThrow('collectors.sytem: unknown collector "sytem"; known collectors: picky, system')
  })

  it('names the bad option as collectors.<name>.<key>', () => {
    const call = () => createCollectors({ system: { perCpu: 'sometimes' } }, recordingContext(), testRegistry())
    expect(call).toThrow(/^collectors\.system\.perCpu: expected boolean/)
    try {
      call()
    } catch (err) {
      expect((err as OptionsError).key).toBe('collectors.system.perCpu')
    }
  })

  it('names the collector when its options are not an object, or its schema refuses them', () => {
    const ctx = recordingContext()
    expect(() => createCollectors({ system: 'on' }, ctx, testRegistry())).toThrow(
      'collectors.system: expected true, false or an options object',
    )
    expect(() => createCollectors({ picky: true }, ctx, testRegistry())).toThrow('collectors.picky: picky wants nothing')
  })

  it('creates nothing when any entry is bad', () => {
    let created = 0
    const registry = testRegistry().with({
      name: 'counted',
      description: 'counts creations',
      options: z.object({}),
      create: () => {
        created++
        return { name: 'counted', collect: async () => {} }
      },
    })
    expect(() => createCollectors({ counted: true, system: { bogus: 1 } }, recordingContext(), registry)).toThrow(
      'collectors.system.bogus: unknown option',
    )
    expect(created).toBe(0)
  })
})
