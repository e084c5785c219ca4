import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnOutpost, type Proc } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'

const REGISTER = fileURLToPath(new URL('../helpers/load-log/register.mjs', import.meta.url))

// docs/agent.md, "Footprint": what an agent loads is memory on every device. The hub's code, the other commands,
// the local listener's stack (Hono, prom-client) and systeminformation (on Linux) load only when used.
describe('`outpost agent` at start', () => {
  let agent: Proc | undefined
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined
  afterAll(async () => {
    await agent?.stop()
    await dir?.cleanup()
  })

  it('loads no hub code, no other command, no listener stack and no systeminformation', async () => {
    dir = await tempDir()
    const log = join(dir.dir, 'loads.txt')
    agent = spawnOutpost(
      ['agent', '--hub', 'mqtt://127.0.0.1:1', '--id', 'loads', '--data', join(dir.dir, 'agent'), '--listen', '127.0.0.1:0', '--interval', '1s'],
      { OUTPOST_LOAD_LOG: log, NODE_OPTIONS: `--import ${REGISTER}` },
    )
    await agent.waitFor(/agent started/, 30_000)
    // A collection tick or two too (1 s interval), so what collectors load on first use is included.
    await new Promise((r) => setTimeout(r, 2_500))
    const loaded = readFileSync(log, 'utf8').trim().split('\n')
    const ours = loaded.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6))
    expect(ours.some((f) => f.startsWith('agent/'))).toBe(true)
    expect(ours.filter((f) => f.startsWith('hub/'))).toEqual([])
    expect(ours.filter((f) => /^cli\/commands\//.test(f))).toEqual(['cli/commands/agent.js'])
    const packages = new Set(loaded.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter(Boolean))
    for (const heavy of ['prom-client', 'hono', '@hono/node-server', 'nodemailer', 'systeminformation', '@opentelemetry/otlp-transformer']) {
      if (heavy === 'systeminformation' && process.platform !== 'linux') continue
      expect(packages.has(heavy), `${heavy} loaded at start`).toBe(false)
    }
  })
})
