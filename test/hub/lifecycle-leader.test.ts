import { afterEach, describe, expect, it } from 'vitest'
import { Lifecycle } from '../../hub/lifecycle.js'
import { NotLeaderError, soleLeader, type Leadership } from '../../hub/cluster/leader.js'
import { waitFor } from '../helpers/temp.js'

const quiet = () => {}

/** A leadership the test hands over and takes back, as PostgresLeader does when the lock comes and goes. */
function switchable(): Leadership & { set(leader: boolean): void } {
  const listeners: Array<(leader: boolean) => void> = []
  let term = 0
  const l = {
    clustered: true,
    leader: false,
    term: undefined as number | undefined,
    onChange: (fn: (leader: boolean) => void) => void listeners.push(fn),
    fenced: <T>(work: () => Promise<T>) => (l.leader ? work() : Promise.reject(new NotLeaderError())),
    currentFence: () => l.term,
    start: async () => {},
    stop: async () => {},
    set(leader: boolean) {
      l.leader = leader
      l.term = leader ? ++term : undefined
      for (const fn of listeners) fn(leader)
    },
  }
  return l
}

describe('lifecycle: leader-only work runs on the leader only (docs/cluster.md)', () => {
  let lifecycle: Lifecycle | undefined
  afterEach(async () => {
    await lifecycle?.stop().catch(() => {})
    lifecycle = undefined
  })

  it('a hub alone leads: leader-only tasks run and modules hear leader=true once', async () => {
    const runs: string[] = []
    const told: boolean[] = []
    lifecycle = new Lifecycle(quiet, soleLeader())
    await lifecycle.start([
      { name: 'm', leadership: async (on) => void told.push(on), periodic: [{ name: 'compact', everyMs: 10, leaderOnly: true, run: async () => void runs.push('compact') }] },
    ])
    await waitFor(() => runs.length >= 2)
    expect(told).toEqual([true])
  })

  it('a follower skips leader-only tasks, runs the rest; becoming leader starts them, losing it stops them at once', async () => {
    const leadership = switchable()
    const runs = { compact: 0, flush: 0 }
    const told: boolean[] = []
    lifecycle = new Lifecycle(quiet, leadership)
    await lifecycle.start([
      {
        name: 'm',
        leadership: async (on) => void told.push(on),
        periodic: [
          { name: 'compact', everyMs: 10, leaderOnly: true, run: async () => void runs.compact++ },
          { name: 'flush', everyMs: 10, run: async () => void runs.flush++ },
        ],
      },
    ])
    await waitFor(() => runs.flush >= 5)
    expect(runs.compact).toBe(0)
    expect(told).toEqual([])

    leadership.set(true)
    await waitFor(() => runs.compact >= 3 && told.length === 1)
    expect(told).toEqual([true])

    leadership.set(false)
    const at = runs.compact
    const flushes = runs.flush
    await waitFor(() => runs.flush >= flushes + 5 && told.length === 2)
    expect(runs.compact).toBe(at)
    expect(told).toEqual([true, false])
  })

  it('leader-only work runs with the leader term as its fence', async () => {
    const leadership = switchable()
    const fences: Array<number | undefined> = []
    lifecycle = new Lifecycle(quiet, leadership)
    await lifecycle.start([{ name: 'm', periodic: [{ name: 'w', everyMs: 10, leaderOnly: true, run: async () => void fences.push(leadership.currentFence()) }] }])
    leadership.set(true)
    await waitFor(() => fences.length >= 1)
    expect(fences[0]).toBe(1)
  })
})
