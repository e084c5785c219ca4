// The shared conformance suite every anomaly detector runs (STYLE: one suite per plugin kind). It drives the
// detector through the hub's SeriesModel, as the hub and the NAB bench do.
import { describe, expect, it } from 'vitest'
import { builtinDetectors } from '../../../hub/anomaly/registry.js'
import { SeriesModel, DEFAULT_DETECTORS } from '../../../hub/anomaly/model.js'
import type { DetectorPlugin } from '../../../hub/anomaly/types.js'
import { series } from './synthetic.js'

export function detectorConformance(plugin: DetectorPlugin): void {
  describe(`detector ${plugin.name} (conformance)`, () => {
    const model = () => new SeriesModel(builtinDetectors(), { [plugin.name]: {} })
    const noisy = series(4000, 7, (i, _t, z) => 100 + 5 * z + (i % 997 === 500 ? 80 : 0))

    it('has the plugin shape and default options', () => {
      const options = plugin.options.parse({})
      const d = plugin.create(options, {})
      expect(d.name).toBe(plugin.name)
      expect(d.slots).toBeGreaterThan(0)
      expect(() => plugin.options.parse({ nonsense: 1 })).toThrow()
    })

    it('scores every sample in [0, 1], finite, whatever the values', () => {
      const m = model()
      const s = m.fresh()
      const v = m.verdict()
      const weird = [0, -1e12, 1e12, 5e-324, 1, 1, 1, -0, 42, 1e308, -1e308]
      for (let i = 0; i < 3000; i++) {
        const x = i % 13 === 0 ? weird[i % weird.length] : noisy.values[i]
        if (!m.update(s, noisy.ts[i], x, v)) continue
        expect(v.score).toBeGreaterThanOrEqual(0)
        expect(v.score).toBeLessThanOrEqual(1)
        expect(Number.isFinite(v.score)).toBe(true)
      }
    })

    it('skips non-finite values and samples not after the last one', () => {
      const m = model()
      const s = m.fresh()
      const v = m.verdict()
      expect(m.update(s, 1000, 1, v)).toBe(true)
      expect(m.update(s, 2000, NaN, v)).toBe(false)
      expect(m.update(s, 2000, Infinity, v)).toBe(false)
      expect(m.update(s, 1000, 2, v)).toBe(false)
      expect(m.update(s, 999, 2, v)).toBe(false)
      expect(m.samples(s)).toBe(1)
    })

    it('is deterministic and continues exactly from its saved bytes', () => {
      const run = (cut?: number) => {
        const m = model()
        let s = m.fresh()
        const v = m.verdict()
        const out: number[] = []
        for (let i = 0; i < noisy.ts.length; i++) {
          if (i === cut) s = m.decode(m.encode(s))!
          m.update(s, noisy.ts[i], noisy.values[i], v)
          out.push(v.score)
        }
        return out
      }
      expect(run(1234)).toEqual(run())
    })

    it('says nothing during its warm-up', () => {
      const m = model()
      const s = m.fresh()
      const v = m.verdict()
      for (let i = 0; i < 40; i++) {
        m.update(s, noisy.ts[i], i === 20 ? 1e6 : noisy.values[i], v)
        expect(v.score).toBe(0)
      }
    })

    it('keeps the state of a series with every default detector under 1 KB', () => {
      expect(new SeriesModel(builtinDetectors(), DEFAULT_DETECTORS).stateBytes).toBeLessThanOrEqual(1024)
    })
  })
}
