import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../helpers/hub.js'
import { makeTestAgent } from '../helpers/agent.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import type { Agent } from '../../agent/agent.js'
import { connect } from './support.js'
import { makeCa, makeCert } from './test-ca.js'

/** An HTTPS request trusting only the test CA. */
function httpsJson(url: string, ca: Buffer, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

describe('TLS: mqtts and HTTPS from cert and key files, optional client certificates', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let pki: string
  let ca: { cert: string; key: string }
  let server: { cert: string; key: string }
  let client: { cert: string; key: string }
  let rogue: { cert: string; key: string }
  let hub: TestHub | undefined
  let agent: Agent | undefined

  beforeAll(async () => {
    dir = await tempDir()
    pki = dir.dir
    ca = makeCa(pki)
    server = makeCert(pki, ca, 'hub', 'localhost', true)
    client = makeCert(pki, ca, 'tls-dev', 'tls-dev')
    const rogueCa = makeCa(pki, 'rogue-ca')
    rogue = makeCert(pki, rogueCa, 'rogue', 'tls-dev')
    return () => dir.cleanup()
  })
  afterEach(async () => {
    await agent?.stop()
    agent = undefined
    await hub?.stop()
    hub = undefined
  })

  const pem = (file: string) => readFileSync(file)
  const tlsHub = (requireClientCert: boolean, sub: string) =>
    startTestHub(`${pki}/${sub}`, {
      mqttCredentials: true,
      tls: { cert: server.cert, key: server.key, ca: ca.cert, mqttPort: 0, clientCerts: requireClientCert, plainMqtt: false, https: true },
    })

  it('an agent delivers over mqtts:// with its token, trusting the test CA; the API answers over HTTPS', async () => {
    hub = await tlsHub(false, 'a')
    expect(hub.hub.mqttPort).toBe(0) // TLS instead of plain TCP
    const api = `https://localhost:${hub.hub.httpPort}`
    expect((await httpsJson(`${api}/healthz`, pem(ca.cert))).status).toBe(200)
    const added = await httpsJson(`${api}/v1/devices`, pem(ca.cert), 'POST', { id: 'tls-dev' })
    expect(added.status).toBe(201)
    agent = makeTestAgent(pki + '/a', `mqtts://localhost:${hub.hub.mqttsPort}`, { id: 'tls-dev', token: added.body.token, tls: { ca: pem(ca.cert) } })
    await agent.start()
    await waitFor(() => agent!.uplink.counters.acked > 0, 15_000, 'acked over mqtts')
    expect(hub.hub.store.stats().series).toBeGreaterThan(0)
    // Without trusting the CA the client refuses the hub; a wrong token is refused by the hub.
    await expect(connect(`mqtts://localhost:${hub.hub.mqttsPort}`, { clientId: 'x-1' })).rejects.toThrow()
    await expect(connect(`mqtts://localhost:${hub.hub.mqttsPort}`, { clientId: 'tls-dev', username: 'tls-dev', password: 'wrong', ca: pem(ca.cert) })).rejects.toThrow(/Bad username/i)
  })

  it('with client certificates required: the CN is the device id; no certificate, a foreign CA or another id is refused', async () => {
    hub = await tlsHub(true, 'b')
    const url = `mqtts://localhost:${hub.hub.mqttsPort}`
    agent = makeTestAgent(pki + '/b', url, { id: 'tls-dev', tls: { ca: pem(ca.cert), cert: pem(client.cert), key: pem(client.key) } })
    await agent.start()
    await waitFor(() => agent!.uplink.counters.acked > 0, 15_000, 'acked with a client certificate')

    await expect(connect(url, { clientId: 'tls-dev', ca: pem(ca.cert) })).rejects.toThrow()
    await expect(connect(url, { clientId: 'tls-dev', ca: pem(ca.cert), cert: pem(rogue.cert), key: pem(rogue.key) })).rejects.toThrow()
    await expect(connect(url, { clientId: 'other', ca: pem(ca.cert), cert: pem(client.cert), key: pem(client.key) })).rejects.toThrow(/Not authorized/i)
    const metrics = await httpsJsonText(`https://localhost:${hub.hub.httpPort}/metrics`, pem(ca.cert))
    expect(metrics).toMatch(/outpost_hub_limited_total\{reason="not_authorized"\} [1-9]/)
  })
})

function httpsJsonText(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve(text))
    })
      .on('error', reject)
      .end()
  })
}
