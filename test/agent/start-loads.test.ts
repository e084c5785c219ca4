import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { spawnOutpost, type Proc } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'

const REGISTER = fileURLToPath(new URL('../helpers/load-log/register.mjs', import.meta.url))
const BUILTINS = fileURLToPath(new URL('../helpers/load-log/builtins.mjs', import.meta.url))
const BUNDLE = fileURLToPath(new URL('../../dist/outpost-agent.mjs', import.meta.url))

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

// The bundled agent (dist/outpost-agent.mjs and its chunks) as a device runs it: rarely used parts are chunks read
// only when used, and Node built-ins that cost MiBs (TLS, crypto, HTTP/2) stay unloaded for an mqtt:// hub (docs/agent.md, footprint).
describe('the bundled agent at start', () => {
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined
  afterAll(async () => {
    await dir?.cleanup()
  })

  it('reads no listener, OTLP or systeminformation chunk and loads no TLS, crypto, HTTP (the listener loads it on its first connection) or commander', async () => {
    dir = await tempDir()
    const loads = join(dir.dir, 'loads.txt')
    const builtins = join(dir.dir, 'builtins.txt')
    const child = spawn(process.execPath, ['--import', REGISTER, '--import', BUILTINS, BUNDLE, '--hub', 'mqtt://127.0.0.1:1', '--id', 'loads-bundle', '--data', join(dir.dir, 'agent'), '--listen', '127.0.0.1:0', '--interval', '1s'], {
      env: { ...process.env, OUTPOST_LOAD_LOG: loads, OUTPOST_BUILTIN_LOG: builtins },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "agent started" within 30 s:\n${out}`)), 30_000)
      const onData = (d: Buffer) => {
        out += d.toString()
        if (/agent started/.test(out)) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      await started
      // A collection tick or two (1 s interval), so what collectors load on first use is included.
      await new Promise((r) => setTimeout(r, 2_500))
    } finally {
      child.kill('SIGTERM')
      await exited
    }
    const chunks = readFileSync(loads, 'utf8').trim().split('\n').filter((u) => u.includes('/outpost-agent.chunks/')).map((u) => u.slice(u.lastIndexOf('/') + 1))
    expect(chunks.some((c) => c.startsWith('agent-runtime-'))).toBe(true)
    const lazyChunks = ['listener-routes-', 'root-', 'parse-', 'tls-', ...(process.platform === 'linux' ? ['lib-'] : [])]
    for (const lazy of lazyChunks) expect(chunks.filter((c) => c.startsWith(lazy)), `${lazy}* read at start`).toEqual([])
    const loaded = new Set(readFileSync(builtins, 'utf8').trim().split('\n'))
    expect(loaded.has('net')).toBe(true)
    for (const heavy of ['tls', 'crypto', 'https', 'http2', 'http']) expect(loaded.has(heavy), `node:${heavy} loaded at start`).toBe(false)
    expect(readFileSync(BUNDLE, 'utf8')).not.toMatch(/commander/i)
  })
})
