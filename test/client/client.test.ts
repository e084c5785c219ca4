import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../client/index.js'
import type { Agent } from '../../agent/agent.js'
import { freePort } from '../../bench/processes.js'
import { tempDir } from '../helpers/temp.js'
import { bufferedBodies, startIngestAgent } from '../agent/inputs/ingest/ingest-helpers.js'

// Issue 19: `outpost/client` batches to the local agent's /v1/ingest and never throws into the application.
describe('outpost/client against a real agent', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let agent: Agent
  let url: string
  beforeAll(async () => {
    dir = await tempDir()
    ;({ agent, url } = await startIngestAgent(dir.dir, 'mqtt://127.0.0.1:1'))
  })
  afterAll(async () => {
    await agent?.stop()
    await dir?.cleanup()
  })

  /** Every sample the agent buffered, as `name{labels} value`. */
  async function stored(): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for (const body of await bufferedBodies(agent)) {
      const m = body.m
      if (!m) continue
      m.i.forEach((s, k) => {
        const [name, , labels] = m.s[s]
        out.set(`${name}${JSON.stringify(labels)}`, m.v[k])
      })
    }
    return out
  }

  it('counters, gauges, histograms and timers arrive in one batch per flush', async () => {
    let requests = 0
    const client = createClient({ url, labels: { app: 'billing' }, flushIntervalMs: 3_600_000, fetch: (...a) => (requests++, fetch(...a)) })
    client.counter('jobs_total', { queue: 'a' }).inc()
    client.counter('jobs_total', { queue: 'a' }).inc(2)
    client.gauge('queue_depth').set(7)
    client.gauge('queue_depth').dec()
    client.histogram('payload_bytes', {}, [10, 100]).observe(50)
    expect(client.timed('work_seconds', () => 42)).toBe(42)
    await expect(client.timed('work_seconds', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    await client.flush()
    expect(requests).toBe(1)
    const got = await stored()
    expect(got.get('jobs_total{"app":"billing","queue":"a"}')).toBe(3)
    expect(got.get('queue_depth{"app":"billing"}')).toBe(6)
    expect(got.get('payload_bytes_bucket{"app":"billing","le":"10"}')).toBe(0)
    expect(got.get('payload_bytes_bucket{"app":"billing","le":"100"}')).toBe(1)
    expect(got.get('payload_bytes_bucket{"app":"billing","le":"+Inf"}')).toBe(1)
    expect(got.get('payload_bytes_sum{"app":"billing"}')).toBe(50)
    expect(got.get('work_seconds_count{"app":"billing","outcome":"ok"}')).toBe(1)
    expect(got.get('work_seconds_count{"app":"billing","outcome":"error"}')).toBe(1)
    expect(client.stats).toMatchObject({ errors: 0, dropped: 0, misuse: 0 })
    expect(client.stats.sent).toBeGreaterThan(10)
    // Nothing changed since: a flush sends nothing.
    await client.flush()
    expect(requests).toBe(1)
    await client.close()
  })

  it('@timed() and @counted() instrument methods, sync and async, and pass errors through', async () => {
    // The decorators as a TypeScript user writes them, compiled by tsc (vitest's transformer does not lower standard
    // decorators) against the built client.
    const source = `
      import { createClient } from ${JSON.stringify(new URL('../../dist/client/index.js', import.meta.url).href)}
      export async function run(url: string) {
        const client = createClient({ url, flushIntervalMs: 3_600_000 })
        class Pump {
          @client.timed()
          async start(ok: boolean) {
            if (!ok) throw new Error('stuck')
            return 'running'
          }
          @client.counted()
          stop() {
            return 'stopped'
          }
          @client.counted({ name: 'pump_valve_turns_total' })
          turn(): string {
            throw new Error('jammed')
          }
        }
        const p = new Pump()
        const results = [await p.start(true), await p.start(false).catch((e: Error) => e.message), p.stop()]
        try { p.turn() } catch (e) { results.push((e as Error).message) }
        await client.close()
        return results
      }`
    const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText
    const file = join(dir.dir, 'pump.mjs')
    writeFileSync(file, js)
    const { run } = (await import(pathToFileURL(file).href)) as { run: (url: string) => Promise<string[]> }
    expect(await run(url)).toEqual(['running', 'stuck', 'stopped', 'jammed'])
    const got = await stored()
    expect(got.get('method_duration_seconds_count{"method":"Pump.start","outcome":"ok"}')).toBe(1)
    expect(got.get('method_duration_seconds_count{"method":"Pump.start","outcome":"error"}')).toBe(1)
    expect(got.get('method_calls_total{"method":"Pump.stop","outcome":"ok"}')).toBe(1)
    expect(got.get('pump_valve_turns_total{"outcome":"error"}')).toBe(1)
  })

  it('never throws: an unreachable agent, a refusal and misuse are counted; queued samples wait for the agent', async () => {
    const port = await freePort()
    const down = createClient({ url: `http://127.0.0.1:${port}`, flushIntervalMs: 3_600_000, maxQueue: 3, timeoutMs: 2_000 })
    down.counter('a_total').inc()
    down.counter('b_total').inc()
    await down.flush()
    expect(down.stats).toMatchObject({ sent: 0, errors: 1, dropped: 0 })
    down.counter('c_total').inc()
    down.counter('d_total').inc()
    await down.flush() // 4 queued, room for 3: the oldest is dropped and counted
    expect(down.stats).toMatchObject({ errors: 2, dropped: 1 })
    expect(down.stats.lastError).toBeTruthy()
    expect(() => down.counter('bad name').inc()).not.toThrow()
    expect(() => down.counter('ok_total').inc(-1)).not.toThrow()
    expect(() => down.gauge('g').set(Number.NaN)).not.toThrow()
    expect(down.stats.misuse).toBe(3)
    await down.close()

    const refused = createClient({ url, flushIntervalMs: 3_600_000 })
    refused.counter('x_total', { __reserved: 'y' }).inc()
    await refused.flush()
    expect(refused.stats).toMatchObject({ errors: 1, dropped: 1, sent: 0 })
    expect(refused.stats.lastError).toMatch(/^agent answered 400/)
    await refused.close()
  })

  it('is the package subpath export outpost/client (built dist, no extra dependency)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url))
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('outpost/client'); console.log(typeof m.createClient, typeof m.OutpostClient)"], { cwd: root, encoding: 'utf8' })
    expect(out.trim()).toBe('function function')
  })
})
