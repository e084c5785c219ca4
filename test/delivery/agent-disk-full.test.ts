import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { tempDir } from '../helpers/temp.js'
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js'
import { agentMetric, freePort, PROBE, startAgentProcess, type AgentProc } from './harness.js'

// Issue 11, item 5: a real `outpost agent` whose data directory is a 24 MiB tmpfs mounted for the test, no hub (an
// outage), and the disk's free space taken by a filler file.
describe('agent on a full disk', { timeout: 120_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let fs: SmallFs | undefined
  let agent: AgentProc | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await agent?.stop('SIGKILL')
    agent = undefined
    await fs?.unmount()
    fs = undefined
    await dir.cleanup()
  })

  const post = (ingest: string, from: number) => {
    const metrics = Array.from({ length: 500 }, (_, k) => ({ name: PROBE, type: 'gauge', labels: { pad: `${from + k}`.padStart(64, 'x') }, ts: Date.now(), value: from + k + 0.5 }))
    return fetch(ingest, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metrics }) })
  }

  for (const policy of ['block', 'drop_oldest'] as const) {
    it(`${policy}: ${policy === 'block' ? 'refuses new input with 503' : 'drops the oldest, counted as disk_full'}, never crashes, and takes data again when space returns`, async (ctx) => {
      const mounted = await mountSmallFs(dir.dir, 24)
      if ('unavailable' in mounted) return ctx.skip(mounted.unavailable)
      fs = mounted
      const listenPort = await freePort()
      const mqttPort = await freePort() // nothing listens: the agent buffers
      agent = await startAgentProcess(join(fs.dir, 'agent'), mqttPort, listenPort, ['--buffer-policy', policy, '--buffer-max-bytes', '64MiB'])
      await fs.fill(4 * 1024 * 1024)
      let refusal: Response | undefined
      let from = 0
      for (let i = 0; i < 2_000 && !refusal; i++, from += 500) {
        const res = await post(agent.ingest, from)
        if (!res.ok) refusal = res
        else if (policy === 'drop_oldest' && (await agentMetric(listenPort, /^outpost_agent_dropped_batches_total\{reason="disk_full"\} (\d+)$/m)) > 0) break
      }
      if (policy === 'block') {
        expect(refusal?.status).toBe(503)
        const body = await refusal!.json()
        expect(body.error.code).toBe('buffer_full')
        expect(body.error.message).toMatch(/disk full/)
      } else {
        expect(refusal, refusal && (await refusal.text())).toBeUndefined()
        expect(await agentMetric(listenPort, /^outpost_agent_dropped_batches_total\{reason="disk_full"\} (\d+)$/m)).toBeGreaterThan(0)
        expect(await agentMetric(listenPort, /^outpost_agent_dropped_batches_total\{reason="buffer_full"\} (\d+)$/m)).toBe(0)
      }
      expect(agent.child.exitCode).toBeNull()
      expect(await fs.freeBytes()).toBeGreaterThan(0)

      await fs.release()
      expect((await post(agent.ingest, 10_000_000)).status).toBe(200)
      expect(await agent.stop('SIGTERM'), agent.output()).toBe(0)
      agent = undefined
    })
  }
})
