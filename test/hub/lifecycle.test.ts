import { afterEach, describe, expect, it } from 'vitest'
import { Lifecycle, type HubModule } from '../../hub/lifecycle.js'
import { waitFor } from '../helpers/temp.js'

type Line = { level: string; msg: string; extra?: Record<string, unknown> }

function recorder() {
  const lines: Line[] = []
  return { lines, log: (level: string, msg: string, extra?: Record<string, unknown>) => void lines.push({ level, msg, extra }) }
}

/** A module that records its start and stop in `events`, optionally failing one of them. */
function traced(name: string, events: string[], fail?: 'start' | 'stop'): HubModule {
  return {
    name,
    async start() {
      if (fail === 'start') throw new Error(`${name} cannot start`)
      events.push(`start ${name}`)
    },
    async stop() {
      events.push(`stop ${name}`)
      if (fail === 'stop') throw new Error(`${name} cannot stop`)
    },
  }
}

describe('hub lifecycle: modules start in order, stop in reverse, periodic work on one scheduler', () => {
  let lifecycle: Lifecycle | undefined
  afterEach(async () => {
    await lifecycle?.stop().catch(() => {})
    lifecycle = undefined
  })

  it('starts modules in list order and stops them in reverse', async () => {
    const events: string[] = []
    lifecycle = new Lifecycle(recorder().log)
    await lifecycle.start([traced('stores', events), { name: 'no-hooks' }, traced('broker', events), traced('api', events)])
    await lifecycle.stop()
    expect(events).toEqual(['start stores', 'start broker', 'start api', 'stop api', 'stop broker', 'stop stores'])
  })

  it('a module that fails to start stops those already started, in reverse, and the error reaches the caller', async () => {
    const events: string[] = []
    lifecycle = new Lifecycle(recorder().log)
    const start = lifecycle.start([traced('stores', events), traced('broker', events), traced('api', events, 'start'), traced('intake', events)])
    await expect(start).rejects.toThrow('api cannot start')
    expect(events).toEqual(['start stores', 'start broker', 'stop broker', 'stop stores'])
    await lifecycle.stop() // nothing left to stop
    expect(events).toHaveLength(4)
  })

  it('a module that fails to stop does not keep the others from stopping; the failure is logged and rethrown', async () => {
    const events: string[] = []
    const { lines, log } = recorder()
    lifecycle = new Lifecycle(log)
    await lifecycle.start([traced('stores', events), traced('alerts', events, 'stop'), traced('api', events)])
    await expect(lifecycle.stop()).rejects.toThrow('alerts cannot stop')
    expect(events.slice(3)).toEqual(['stop api', 'stop alerts', 'stop stores'])
    expect(lines).toContainEqual({ level: 'error', msg: 'module failed to stop', extra: { module: 'alerts', error: 'Error: alerts cannot stop' } })
  })

  it('periodic work begins after every module started, never overlaps itself, and a failed run is logged and retried', async () => {
    const events: string[] = []
    const { lines, log } = recorder()
    let running = 0
    let maxRunning = 0
    let runs = 0
    let release: (() => void) | undefined
    const slow: HubModule = {
      name: 'compaction',
      periodic: [
        {
          name: 'compact',
          everyMs: 5,
          run: async () => {
            events.push('run compact')
            running++
            maxRunning = Math.max(maxRunning, running)
            runs++
            // The first run holds on until released: timer ticks during it must be skipped, not queued.
            if (runs === 1) await new Promise<void>((resolve) => (release = resolve))
            running--
            if (runs === 2) throw new Error('disk full')
          },
        },
      ],
    }
    lifecycle = new Lifecycle(log)
    await lifecycle.start([traced('stores', events), slow, traced('api', events)])
    expect(events.slice(0, 2)).toEqual(['start stores', 'start api'])
    await waitFor(() => release !== undefined, 10_000, 'the first run')
    // Many periods pass while the first run is held: still one run.
    const heldUntil = Date.now() + 100
    await waitFor(() => Date.now() >= heldUntil, 10_000, '100 ms')
    expect(runs).toBe(1)
    release!()
    await waitFor(() => runs >= 3, 10_000, 'a run after the failed one')
    expect(maxRunning).toBe(1)
    expect(lines).toContainEqual({ level: 'error', msg: 'background task failed', extra: { module: 'compaction', task: 'compact', error: 'Error: disk full' } })
  })

  it('periodic work ends before the first module stops', async () => {
    const events: string[] = []
    lifecycle = new Lifecycle(recorder().log)
    const ticking: HubModule = { name: 'retention', periodic: [{ name: 'prune', everyMs: 1, run: async () => void events.push('run prune') }] }
    await lifecycle.start([traced('stores', events), ticking])
    await waitFor(() => events.includes('run prune'), 10_000, 'a prune run')
    await lifecycle.stop()
    const stoppedAt = events.indexOf('stop stores')
    const settle = Date.now() + 50
    await waitFor(() => Date.now() >= settle, 10_000, '50 ms')
    expect(events.slice(stoppedAt)).toEqual(['stop stores'])
  })
  it('a run in progress finishes before any module stops', async () => {
    const events: string[] = []
    lifecycle = new Lifecycle(recorder().log)
    let release: (() => void) | undefined
    const compaction: HubModule = {
      name: 'compaction',
      periodic: [
        {
          name: 'compact',
          everyMs: 1,
          run: async () => {
            if (events.includes('compact started')) return
            events.push('compact started')
            await new Promise<void>((resolve) => (release = resolve))
            events.push('compact done')
          },
        },
      ],
    }
    await lifecycle.start([traced('stores', events), compaction])
    await waitFor(() => release !== undefined, 10_000, 'a compaction run')
    const stopping = lifecycle.stop()
    const later = Date.now() + 50
    await waitFor(() => Date.now() >= later, 10_000, '50 ms')
    expect(events).not.toContain('stop stores')
    release!()
    await stopping
    expect(events.slice(-2)).toEqual(['compact done', 'stop stores'])
  })
})
