import { afterEach, describe, expect, it } from 'vitest'
import { encode as encodeCbor } from 'cbor-x'
import { LevelBuffer } from '../../agent/buffer/level-buffer.js'
import { Uplink } from '../../agent/uplink.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { connect } from '../security/support.js'

const BAN_MS = 4_000

const body = (v: number) => {
  const b = new MetricsBuilder()
  b.add({ name: 'x', type: 'gauge', labels: {} }, Date.now() - 60_000 + v, v)
  return encodeCbor({ m: b.build() })
}

/**
 * The soak's stall (docs/delivery.md, "Known gaps" history): an agent restarted often enough trips the hub's
 * flapping guard. The ban used to come back as "not authorized", and the agent kept retrying every few hundred
 * ms for the whole ban, so a backlog made no progress while it looked like a credentials problem. Now the ban is
 * reported as a ban (return code 3, log lines naming it and its end on both sides) and the agent waits it out.
 */
describe('a device banned by the flapping guard', () => {
  let dir: { dir: string; cleanup: () => Promise<void> } | undefined
  let hub: TestHub | undefined
  let buffer: LevelBuffer | undefined
  let uplink: Uplink | undefined
  afterEach(async () => {
    await uplink?.stop()
    await buffer?.close()
    await hub?.stop()
    await dir?.cleanup()
    dir = hub = buffer = uplink = undefined
  })

  it('is told it is banned, waits the ban out without feeding it, then delivers its backlog', { timeout: 60_000 }, async () => {
    dir = await tempDir()
    const hubLog: string[] = []
    hub = await startTestHub(dir.dir, {
      limits: { connectAttemptsPerId: 3, connectWindow: 60_000, ban: BAN_MS },
      log: (level, msg, extra) => hubLog.push(`${level} ${msg} ${JSON.stringify(extra ?? {})}`),
    })
    // Three restarts use up the id's attempts.
    for (let k = 0; k < 3; k++) await (await connect(hub.mqttUrl, { clientId: 'flap-1' })).endAsync()

    buffer = new LevelBuffer(`${dir.dir}/agent`, { maxBytes: 16 * 1024 * 1024, policy: 'block' })
    await buffer.open()
    for (let v = 1; v <= 20; v++) await buffer.append(body(v))
    const agentLog: string[] = []
    const started = Date.now()
    uplink = new Uplink(buffer, {
      hubUrl: hub.mqttUrl,
      deviceId: 'flap-1',
      version: 't',
      hostInfo: async () => ({}),
      inflight: 8,
      ackTimeoutMs: 5_000,
      reconnectBaseMs: 50,
      reconnectMaxMs: 200,
      banWaitMs: BAN_MS,
      keepaliveSeconds: 10,
      log: (level, msg, extra) => agentLog.push(`${level} ${msg} ${JSON.stringify(extra ?? {})}`),
    })
    uplink.start()
    await waitFor(() => buffer!.stats().pending === 0, 30_000, 'backlog delivered after the ban')
    const elapsed = Date.now() - started

    // Both sides name the ban and its end; nobody calls it a credentials problem.
    expect(hubLog.some((l) => /client id banned until \d{4}-\d\d-\d\dT/.test(l) && l.includes('flap-1')), hubLog.join('\n')).toBe(true)
    expect(agentLog.some((l) => /refused the connection as banned \(Connection refused: Server unavailable\): waiting out the ban until \d{4}-/.test(l)), agentLog.join('\n')).toBe(true)
    expect([...hubLog, ...agentLog].join('\n')).not.toMatch(/not authorized/i)
    // Waited it out: one refused attempt, not one every few hundred ms for the whole ban.
    const metrics = await fetch(`${hub.apiUrl}/metrics`).then((r) => r.text())
    expect(Number(/outpost_hub_limited_total\{reason="connect_banned"\} (\d+)/.exec(metrics)?.[1])).toBe(1)
    expect(uplink.counters.banned).toBe(1)
    expect(elapsed).toBeGreaterThanOrEqual(BAN_MS - 500)
    const device = (await hub.get('/v1/devices/flap-1')).body
    expect(device.counters.batches).toBe(20)
  })
})
