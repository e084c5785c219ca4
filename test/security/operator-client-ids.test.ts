// Operators log in with username = token name and password = token under any client id their tool picks
// (DESIGN §11): two mosquitto_sub without -i at once, both receiving; a device's client id stays the device's.
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topics } from '../../protocol/topics.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { addDevice, addToken, connect } from './support.js'

// A CBOR {state: "online"}: what a device's birth message starts with.
const ONLINE = Buffer.from([0xa1, 0x65, 0x73, 0x74, 0x61, 0x74, 0x65, 0x66, 0x6f, 0x6e, 0x6c, 0x69, 0x6e, 0x65])

describe('MQTT operators with any client id', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  const children: ChildProcess[] = []

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { mqttCredentials: true })
  })
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
    await hub?.stop()
    await dir?.cleanup()
  })

  function mosquittoSub(user: string, password: string) {
    const port = new URL(hub.mqttUrl).port
    // No -i: mosquitto_sub makes up its own client id. -d prints the CONNACK; -F prints each message's topic.
    // stdbuf: mosquitto_sub buffers its output when it is not a terminal.
    const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', port, '-u', user, '-P', password, '-t', 'outpost/v1/+/status', '-q', '1', '-F', 'TOPIC %t', '-d'], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    const state = { out: '' }
    child.stdout!.on('data', (c: Buffer) => (state.out += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (state.out += c.toString()))
    return state
  }

  it('two mosquitto_sub sessions of one operator token at once, each with its own generated client id, both receive', async () => {
    const ops = await addToken(hub, 'operator', 'ops')
    const a = mosquittoSub('ops', ops.token)
    const b = mosquittoSub('ops', ops.token)
    await waitFor(() => /SUBACK/.test(a.out) && /SUBACK/.test(b.out), 15_000, 'both subscribed').catch((err) => {
      throw new Error(`${err.message}\nA: ${a.out}\nB: ${b.out}`)
    })
    // mosquitto 2 sends an empty client id (MQTT-3.1.3-6): the broker assigns one per session.
    expect(a.out).toMatch(/Client \(null\) sending CONNECT/)
    const aedes = (hub.hub as unknown as { broker: { broker: { clients: Record<string, unknown> } } }).broker.broker
    expect(Object.keys(aedes.clients).filter((id) => id.startsWith('aedes_'))).toHaveLength(2)

    const token = await addDevice(hub, 'dev-m')
    const device = await connect(hub.mqttUrl, { clientId: 'dev-m', username: 'dev-m', password: token })
    await device.publishAsync(topics.status('dev-m'), ONLINE, { qos: 1, retain: true })
    await waitFor(() => a.out.includes('TOPIC outpost/v1/dev-m/status') && b.out.includes('TOPIC outpost/v1/dev-m/status'), 15_000, 'both sessions got the status')
    // Both still connected: neither session took the other's place.
    expect(children.slice(0, 2).every((c) => c.exitCode === null)).toBe(true)
    await device.endAsync()
  })

  it("refuses an operator under a device's client id, a wrong password, and viewer tokens", async () => {
    const ops = await addToken(hub, 'operator', 'ops2')
    await addDevice(hub, 'dev-n')
    await expect(connect(hub.mqttUrl, { clientId: 'dev-n', username: 'ops2', password: ops.token })).rejects.toThrow(/Bad username or password/i)
    await expect(connect(hub.mqttUrl, { clientId: 'tool-1', username: 'ops2', password: 'wrong' })).rejects.toThrow(/Bad username or password/i)
    const viewer = await addToken(hub, 'viewer', 'look')
    await expect(connect(hub.mqttUrl, { clientId: 'tool-2', username: 'look', password: viewer.token })).rejects.toThrow(/Not authorized/i)
    const ok = await connect(hub.mqttUrl, { clientId: 'mqttjs_1a2b3c', username: 'ops2', password: ops.token })
    expect(ok.connected).toBe(true)
    await ok.endAsync()
  })
})
