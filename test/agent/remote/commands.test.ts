import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeCmd } from '../../../protocol/codec.js'
import { topics } from '../../../protocol/topics.js'
import type { RunningAgent } from '../../../cli/agent-runtime.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { addDevice, addToken, api } from '../../security/support.js'
import { deviceWhen, startRemoteAgent } from './harness.js'

// Issue 19: POST /v1/devices/{id}/commands — each command answered (or timed out) and recorded, operators only,
// audited, each command id answered once. Real hub, broker, LevelDB and agent.
describe('device commands', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let agent: RunningAgent
  let operator: string
  let viewer: string
  let restarts = 0
  const logFile = () => join(dir.dir, 'app.log')
  const command = (body: unknown, token = operator, device = 'cmd-1') => api(hub, 'POST', `/v1/devices/${device}/commands`, token, body)

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
    operator = (await addToken(hub, 'operator', 'ops')).token
    viewer = (await addToken(hub, 'viewer', 'watcher')).token
    writeFileSync(logFile(), Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n')
    agent = await startRemoteAgent(hub, dir.dir, 'cmd-1', {
      restart: () => restarts++,
      file: {
        health: [{ name: 'hub-mqtt', kind: 'tcp', host: '127.0.0.1', port: hub.hub.mqttPort, interval: '1h' }],
        logs: [{ path: join(dir.dir, '*.log'), component: 'app' }],
      },
    })
    await deviceWhen(hub, 'cmd-1', (d) => d.online, 'agent online')
  })
  afterAll(async () => {
    await agent?.stop()
    await hub?.stop()
    await dir?.cleanup()
  })

  it('ping, buffer.stats and collect are answered with results', async () => {
    const ping = await command({ name: 'ping' })
    expect(ping.status).toBe(200)
    expect(ping.body).toMatchObject({ device: 'cmd-1', name: 'ping', state: 'ok', by: 'ops', result: { pong: true, version: expect.any(String) } })
    expect(ping.body.repliedAt).toBeGreaterThanOrEqual(ping.body.sentAt)

    const stats = await command({ name: 'buffer.stats' })
    expect(stats.body.state).toBe('ok')
    expect(stats.body.result).toMatchObject({ pending: expect.any(Number), bytes: expect.any(Number), uplink: { connected: true } })

    const before = agent.agent.uplink.counters.sent
    const collect = await command({ name: 'collect' })
    expect(collect.body).toMatchObject({ state: 'ok', result: { collected: true } })
    await waitFor(() => agent.agent.uplink.counters.sent > before, 10_000, 'the collected batch sent')
  })

  it('health runs a configured check now; an unknown one is refused naming args.name', async () => {
    const ok = await command({ name: 'health', args: { name: 'hub-mqtt' } })
    expect(ok.body).toMatchObject({ state: 'ok', result: { check: 'hub-mqtt', kind: 'tcp', status: 'healthy' } })
    const bad = await command({ name: 'health', args: { name: 'nope' } })
    expect(bad.body).toMatchObject({ state: 'error', error: { field: 'args.name' } })
    expect(bad.body.error.message).toMatch(/hub-mqtt/)
  })

  it('logs.tail returns the last lines of a followed file, and nothing else', async () => {
    appendFileSync(logFile(), 'line 31\n')
    const tail = await command({ name: 'logs.tail', args: { path: logFile(), lines: 3 } })
    expect(tail.body).toMatchObject({ state: 'ok', result: { path: logFile(), lines: ['line 29', 'line 30', 'line 31'] } })
    const outside = await command({ name: 'logs.tail', args: { path: '/etc/passwd' } })
    expect(outside.body).toMatchObject({ state: 'error', error: { field: 'args.path' } })
    const tooMany = await command({ name: 'logs.tail', args: { path: logFile(), lines: 5000 } })
    expect(tooMany.body.error.field).toBe('args.lines')
  })

  it('restart is answered, then the restart hook runs', async () => {
    const r = await command({ name: 'restart' })
    expect(r.body).toMatchObject({ state: 'ok', result: { restarting: true } })
    await waitFor(() => restarts === 1, 5_000, 'restart hook')
  })

  it('a command to a device that does not answer times out; the timeout is recorded and returned', async () => {
    await addDevice(hub, 'silent-1')
    const started = Date.now()
    const r = await command({ name: 'ping', timeout: 300 }, operator, 'silent-1')
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ state: 'timeout', device: 'silent-1', timeoutMs: 300 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    const stored = await api(hub, 'GET', `/v1/devices/silent-1/commands/${r.body.id}`, viewer)
    expect(stored.body).toMatchObject({ id: r.body.id, state: 'timeout' })
    const list = await api(hub, 'GET', '/v1/devices/silent-1/commands', viewer)
    expect(list.body.commands.map((c: { id: string }) => c.id)).toContain(r.body.id)
  })

  it('operators only, audited; bad bodies are 400 naming the field', async () => {
    expect((await command({ name: 'ping' }, viewer)).status).toBe(403)
    const audit = await api(hub, 'GET', '/v1/audit?from=-1h')
    const entries = audit.body.entries as Array<{ actor: string; route: string; target: string; summary: { name?: string } }>
    expect(entries.some((e) => e.actor === 'ops' && e.route === '/v1/devices/:id/commands' && e.target === 'cmd-1/commands' && e.summary.name === 'ping')).toBe(true)
    const bad = await command({ name: 'format-disk' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/^name/)
    expect((await command({ name: 'ping', timeout: 10 })).body.error.message).toMatch(/^timeout/)
    expect((await command({ name: 'ping' }, operator, 'nobody')).status).toBe(404)
  })

  it('a command id delivered twice is run and answered once', async () => {
    const before = { commands: agent.remote!.counters.commands, dup: agent.remote!.counters.duplicates, stray: hub.hub.remote.commands.counters.stray, collected: agent.agent.uplink.counters.sent }
    const payload = Buffer.from(encodeCmd({ t: 'command', id: 'twice-1', name: 'ping' }))
    const publish = () => new Promise<void>((resolve, reject) => hub.hub.aedes!.publish({ cmd: 'publish', topic: topics.cmd('cmd-1'), payload, qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())))
    await publish()
    await publish()
    await waitFor(() => agent.remote!.counters.duplicates === before.dup + 1, 10_000, 'the second delivery seen as a duplicate')
    expect(agent.remote!.counters.commands).toBe(before.commands + 1)
    // The hub never sent twice-1: its one reply is counted as stray, and only one came.
    await waitFor(() => hub.hub.remote.commands.counters.stray === before.stray + 1, 10_000, 'one stray reply')
    const ping = await command({ name: 'ping' })
    expect(ping.body.state).toBe('ok')
    expect(hub.hub.remote.commands.counters.stray).toBe(before.stray + 1)
  })
})
