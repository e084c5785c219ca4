import { describe, expect, it } from 'vitest'
import type { HealthResult } from '../../../protocol/batch.js'
import { HealthScheduler } from '../../../agent/health/scheduler.js'
import type { HealthCheck, ProbeOutcome } from '../../../agent/health/types.js'
import { silent, waitFor } from '../../helpers/temp.js'

function check(name: string, probe: (signal: AbortSignal) => Promise<ProbeOutcome>, over: Partial<HealthCheck> = {}): HealthCheck {
  return { name, kind: 'test', intervalMs: 50, timeoutMs: 40, probe: { probe }, ...over }
}

describe('HealthScheduler', () => {
  it('stamps results with the clock, latency and check name', async () => {
    const scheduler = new HealthScheduler([], { emit: async () => {}, clock: () => 1234, log: silent })
    const result = await scheduler.runOnce(check('c', async () => ({ status: 'degraded', message: 'slow' })))
    expect(result).toEqual({ check: 'c', kind: 'test', status: 'degraded', ts: 1234, latencyMs: expect.any(Number), message: 'slow' })
  })

  it('turns a throwing probe into unknown and one that ignores its timeout into unhealthy', async () => {
    const scheduler = new HealthScheduler([], { emit: async () => {}, log: silent })
    const thrown = await scheduler.runOnce(check('t', () => { throw new Error('boom') }))
    expect(thrown).toMatchObject({ status: 'unknown', message: 'check failed: boom' })
    const hung = await scheduler.runOnce(check('h', () => new Promise(() => {}), { timeoutMs: 30 }))
    expect(hung).toMatchObject({ status: 'unhealthy', message: 'timed out after 30 ms' })
  })

  it('runs each check at start and on its interval, never overlapping, and stops cleanly', async () => {
    const emitted: HealthResult[] = []
    let running = 0
    let maxRunning = 0
    const slow = check('slow', async () => {
      maxRunning = Math.max(maxRunning, ++running)
      await new Promise((r) => setTimeout(r, 30))
      running--
      return { status: 'healthy' }
    }, { intervalMs: 10, timeoutMs: 100 })
    const fast = check('fast', async () => ({ status: 'healthy' }), { intervalMs: 20 })
    const scheduler = new HealthScheduler([slow, fast], { emit: async (r) => void emitted.push(...r), log: silent })
    scheduler.start()
    await waitFor(() => emitted.filter((r) => r.check === 'slow').length >= 3 && emitted.filter((r) => r.check === 'fast').length >= 3)
    await scheduler.stop()
    expect(maxRunning).toBe(1)
    const count = emitted.length
    await new Promise((r) => setTimeout(r, 100))
    expect(emitted.length).toBe(count) // nothing after stop
  })

  it('aborts probes in flight on stop and drops their results', async () => {
    const emitted: HealthResult[] = []
    let aborted = false
    const waiting = check('w', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => {
      aborted = true
      reject(signal.reason)
    })), { timeoutMs: 10_000, intervalMs: 20_000 })
    const scheduler = new HealthScheduler([waiting], { emit: async (r) => void emitted.push(...r), log: silent })
    scheduler.start()
    await new Promise((r) => setTimeout(r, 20))
    await scheduler.stop()
    expect(aborted).toBe(true)
    expect(emitted).toEqual([])
  })

  it('logs and carries on when the agent refuses a result', async () => {
    const logged: string[] = []
    let calls = 0
    const scheduler = new HealthScheduler([check('c', async () => ({ status: 'healthy' }), { intervalMs: 10 })], {
      emit: async () => {
        calls++
        throw new Error('buffer full')
      },
      log: (_level, msg, extra) => logged.push(`${msg}: ${String(extra?.error)}`),
    })
    scheduler.start()
    await waitFor(() => calls >= 2)
    await scheduler.stop()
    expect(logged[0]).toBe('health result dropped: buffer full')
  })
})
