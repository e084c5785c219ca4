// One shape for every extension point (DESIGN §1, kit/plugin.ts): every plugin of every registry has a name, a
// description and an options schema, lives in a folder with a README, and its sample config (where it has options)
// is embedded in the README and accepted by the host as it is.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { z } from 'zod'
import { builtinCollectors, createCollectors } from '../../agent/collectors/registry.js'
import { builtinHealthKinds, createHealthChecks } from '../../agent/health/registry.js'
import { builtinInputs, createInputs } from '../../agent/inputs/registry.js'
import { builtinNotifiers, parseNotifierConfigs } from '../../hub/alerts/notifiers/registry.js'
import { ruleKinds } from '../../hub/alerts/rules/registry.js'
import { parseRule } from '../../hub/alerts/rule-schema.js'
import type { Plugin, Registry } from '../../kit/plugin.js'
import { builtinDetectors } from '../../hub/anomaly/registry.js'
import { SeriesModel } from '../../hub/anomaly/model.js'
import { silent } from '../helpers/temp.js'

const root = resolve(import.meta.dirname, '../..')

interface Kind {
  registry: Registry<Plugin<any, any, any>>
  folder: (name: string) => string
  /** Builds what the sample configures, as the host does at start; throws on a bad sample. */
  accept: (sample: unknown, name: string) => unknown[]
}

const kinds: Record<string, Kind> = {
  collectors: {
    registry: builtinCollectors(),
    folder: (name) => `agent/collectors/${name}`,
    accept: (sample) => createCollectors((sample as { collectors: Record<string, unknown> }).collectors, { log: silent }),
  },
  inputs: {
    registry: builtinInputs(),
    folder: (name) => `agent/inputs/${name === 'logs' ? 'tail' : name}`,
    accept: (sample) => createInputs(sample as Record<string, unknown>),
  },
  'health kinds': {
    registry: builtinHealthKinds(),
    folder: (name) => `agent/health/${name}`,
    accept: (sample) => createHealthChecks((sample as { health: unknown }).health, { log: silent }),
  },
  notifiers: {
    registry: builtinNotifiers(),
    folder: (name) => `hub/alerts/notifiers/${name}`,
    accept: (sample) => parseNotifierConfigs((sample as { notifiers: never }).notifiers),
  },
  detectors: {
    registry: builtinDetectors(),
    folder: (name) => `hub/anomaly/${name}`,
    // The hub's form: `anomaly.detectors` in the hub's YAML, a map of detector name to options.
    accept: (sample) => new SeriesModel(builtinDetectors(), (sample as { anomaly: { detectors: Record<string, unknown> } }).anomaly.detectors).detectors,
  },
  'rule kinds': {
    registry: ruleKinds(),
    folder: (name) => `hub/alerts/rules/${name}`,
    accept: (sample, name) =>
      (sample as unknown[]).map((rule) => {
        const parsed = parseRule(rule)
        expect(parsed.kind).toBe(name)
        return parsed
      }),
  },
}

describe.each(Object.entries(kinds))('%s', (_, kind) => {
  const names = kind.registry.names()
  it('has plugins', () => expect(names.length).toBeGreaterThan(0))

  describe.each(names)('%s', (name) => {
    const plugin = kind.registry.get(name)!
    const folder = join(root, kind.folder(name))

    it('has the one plugin shape', () => {
      expect(plugin.name).toBe(name)
      expect(plugin.description.length).toBeGreaterThan(10)
      expect(plugin.options).toBeInstanceOf(z.ZodType)
      expect(typeof plugin.create).toBe('function')
    })

    it('lives in its own folder with a README', () => {
      expect(existsSync(join(folder, 'README.md')), `${kind.folder(name)}/README.md`).toBe(true)
    })

    it('has a sample config the host accepts, embedded in the README', ({ skip }) => {
      const samplePath = join(folder, 'sample.yaml')
      if (!existsSync(samplePath)) {
        // Only a plugin without options of its own may go without a sample.
        expect(plugin.options.safeParse({}).success, `${kind.folder(name)}/sample.yaml`).toBe(true)
        return skip('no options of its own')
      }
      const sample = readFileSync(samplePath, 'utf8')
      expect(kind.accept(parse(sample), name).length).toBeGreaterThan(0)
      expect(readFileSync(join(folder, 'README.md'), 'utf8')).toContain('```yaml\n' + sample.trimEnd() + '\n```')
    })
  })
})
