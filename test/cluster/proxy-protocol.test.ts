import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { connect as tcpConnect } from 'node:net'
import { join } from 'node:path'
import { connectPacket } from '../security/raw-mqtt.js'
import { V1ProxyProtocol, V2ProxyProtocol, INETProtocol, Peer, Command, TransportProtocol, IPv4ProxyAddress, IPv4Address } from 'proxy-protocol-js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { freePort } from '../helpers/redis.js'
import { connect } from '../security/support.js'
import { startHub, type HubProc } from './cluster-support.js'

/** Sends `header` then an MQTT CONNECT on a raw socket; resolves with the CONNACK return code, or 'closed'. */
function connectVia(port: number, header: Buffer, clientId: string): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1')
    let got = Buffer.alloc(0)
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d])
      // CONNACK: 0x20, remaining length 2, flags, return code (MQTT 3.1.1 §3.2).
      if (got.length >= 4 && got[0] === 0x20) {
        resolve(got[3])
        socket.destroy()
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve('closed'))
    socket.write(Buffer.concat([header, connectPacket(clientId)]))
  })
}

const v1 = (source: string) => Buffer.from(new V1ProxyProtocol(INETProtocol.TCP4, new Peer(source, 40000), new Peer('127.0.0.1', 1883)).build())
const v2 = (source: [number, number, number, number]) =>
  Buffer.from(new V2ProxyProtocol(Command.PROXY, TransportProtocol.STREAM, new IPv4ProxyAddress(new IPv4Address(source), 40000, IPv4Address.createFrom([127, 0, 0, 1]), 1883)).build())

// The MQTT listener behind a load balancer (`--proxy-protocol`, docs/cluster.md): the PROXY header's client address is
// the one the per-address limits count, and a connection without a header is refused.
describe('PROXY protocol on the MQTT listener', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: HubProc
  let port = 0
  let haproxy: ChildProcess | undefined

  beforeAll(async () => {
    dir = await tempDir('outpost-proxy-')
    hub = await startHub(dir.dir, 'hub', ['--insecure', '--proxy-protocol', '--limits-connect-attempts-per-address', '3'])
    port = Number(new URL(hub.mqtt).port)
  }, 60_000)

  afterAll(async () => {
    haproxy?.kill('SIGKILL')
    await hub?.proc.stop()
    await dir?.cleanup()
  }, 30_000)

  it('takes the client address from v1 and v2 headers: the per-address ban hits one address, not the other', async () => {
    for (let i = 0; i < 3; i++) expect(await connectVia(port, v1('203.0.113.7'), `c-v1-${i}`)).toBe(0)
    // The fourth attempt from 203.0.113.7 is over the limit of 3 per window: refused as banned.
    expect(await connectVia(port, v1('203.0.113.7'), 'c-v1-3')).not.toBe(0)
    // Another address, announced in a binary v2 header, is still let in.
    expect(await connectVia(port, v2([198, 51, 100, 9]), 'c-v2-0')).toBe(0)
    const metrics = await (await fetch(`${hub.api}/metrics`)).text()
    expect(metrics).toMatch(/outpost_hub_limited_total\{reason="connect_banned"\} [1-9]/)
  })

  it('refuses a connection that does not start with a PROXY header, and counts it', async () => {
    expect(await connectVia(port, Buffer.alloc(0), 'no-header')).toBe('closed')
    expect(await connectVia(port, Buffer.from('PROXY TCP4 not-an-address 127.0.0.1 1 2\r\n'), 'bad-header')).toBe('closed')
    const metrics = await (await fetch(`${hub.api}/metrics`)).text()
    expect(Number(/outpost_hub_limited_total\{reason="proxy_header"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2)
  })

  it('a real HAProxy (send-proxy-v2) in front: an MQTT client connects through it', async () => {
    const front = await freePort()
    const cfg = join(dir.dir, 'haproxy.cfg')
    writeFileSync(
      cfg,
      [
        'global',
        '  maxconn 100',
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 60s',
        '  timeout server 60s',
        'frontend mqtt',
        `  bind 127.0.0.1:${front}`,
        '  default_backend hubs',
        'backend hubs',
        `  server hub1 127.0.0.1:${port} send-proxy-v2`,
        '',
      ].join('\n'),
    )
    haproxy = spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' })
    const client = await waitFor(() => connect(`mqtt://127.0.0.1:${front}`, { clientId: 'via-haproxy' }).catch(() => undefined), 20_000, 'connect through haproxy')
    expect(client.connected).toBe(true)
    await client.subscribeAsync('outpost/v1/via-haproxy/ack', { qos: 1 })
    await client.endAsync()
  }, 40_000)
})
