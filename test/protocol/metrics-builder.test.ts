import { describe, expect, it } from 'vitest'
import type { SeriesDef } from '../../protocol/batch.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'

const T0 = 1_700_000_000_000

function samplesOf(builder: MetricsBuilder) {
  const wire = builder.build()!
  let t = 0
  return wire.i.map((s, k) => {
    t += wire.t[k]
    return [wire.s[s][0], wire.s[s][2], t, wire.v[k]] as const
  })
}

describe('MetricsBuilder', () => {
  it('emits samples added in time order as they came, with deltas', () => {
    const b = new MetricsBuilder()
    b.addRaw('a', 'gauge', { x: '1' }, T0, 1)
    b.addRaw('b', 'gauge', {}, T0, 2)
    b.addRaw('a', 'gauge', { x: '1' }, T0 + 10, 3)
    expect(b.build()).toEqual({ s: [['a', 'gauge', { x: '1' }], ['b', 'gauge', {}]], i: [0, 1, 0], t: [T0, 0, 10], v: [1, 2, 3] })
  })

  it('sorts by time, then series, when samples came out of order, and starts afresh after build', () => {
    const b = new MetricsBuilder()
    b.addRaw('a', 'gauge', {}, T0 + 10, 1)
    b.addRaw('b', 'gauge', {}, T0, 2)
    b.addRaw('a', 'gauge', {}, T0, 3)
    expect(b.build()).toEqual({ s: [['a', 'gauge', {}], ['b', 'gauge', {}]], i: [0, 1, 0], t: [T0, 0, 10], v: [3, 2, 1] })
    expect(b.size).toBe(0)
    b.addRaw('c', 'counter', {}, T0 + 5, 4)
    b.addRaw('c', 'counter', {}, T0 + 1, 5)
    expect(b.build()).toEqual({ s: [['c', 'counter', {}]], i: [0, 0], t: [T0 + 1, 4], v: [5, 4] })
  })

  it('keys a frozen def once, and a mutable def afresh on every add (its labels may have changed)', () => {
    const b = new MetricsBuilder()
    const frozen = Object.freeze({ name: 'f', type: 'gauge', labels: Object.freeze({ k: 'v' }) }) as SeriesDef
    const mutable: SeriesDef = { name: 'm', type: 'gauge', labels: { k: 'one' } }
    b.add(frozen, T0, 1)
    b.add(mutable, T0, 2)
    mutable.labels = { k: 'two' }
    b.add(frozen, T0 + 1, 3)
    b.add(mutable, T0 + 1, 4)
    expect(samplesOf(b)).toEqual([
      ['f', { k: 'v' }, T0, 1],
      ['m', { k: 'one' }, T0, 2],
      ['f', { k: 'v' }, T0 + 1, 3],
      ['m', { k: 'two' }, T0 + 1, 4],
    ])
  })
})
