import { describe, expect, it } from 'vitest'
import { ConnectGuard } from '../../../hub/limits/connect-guard.js'
import { PublishRate } from '../../../hub/limits/rate.js'
import { PacketSizeGuard } from '../../../hub/limits/packet-guard.js'
import { requiredRole } from '../../../hub/security/roles.js'
import { connectPacket, publishPacket } from '../../security/raw-mqtt.js'

describe('ConnectGuard', () => {
  it('bans a client id over its attempts for banMs, then lets it in again', () => {
    let now = 0
    const g = new ConnectGuard({ connectAttemptsPerId: 2, connectAttemptsPerAddress: 100, connectWindowMs: 1_000, banMs: 5_000 }, () => now)
    expect(g.attempt('a', '1.2.3.4')).toBeUndefined()
    expect(g.attempt('a', '1.2.3.4')).toBeUndefined()
    expect(g.attempt('a', '1.2.3.4')).toEqual({ key: 'id', until: 5_000, fresh: true })
    expect(g.attempt('b', '1.2.3.4')).toBeUndefined()
    now = 4_000
    // Retries during the ban are refused with the same end: they do not extend it.
    expect(g.attempt('a', '1.2.3.4')).toEqual({ key: 'id', until: 5_000, fresh: false })
    now = 5_001
    expect(g.attempt('a', '1.2.3.4')).toBeUndefined()
  })

  it("a banned id's retries do not count against its address; a client that waited out its ban is not banned again at once", () => {
    let now = 0
    const g = new ConnectGuard({ connectAttemptsPerId: 2, connectAttemptsPerAddress: 5, connectWindowMs: 60_000, banMs: 1_000 }, () => now)
    for (let k = 0; k < 2; k++) expect(g.attempt('a', 'nat')).toBeUndefined()
    expect(g.attempt('a', 'nat')?.fresh).toBe(true)
    for (let k = 0; k < 50; k++) expect(g.attempt('a', 'nat')?.key).toBe('id')
    expect(g.attempt('b', 'nat')).toBeUndefined() // address: 3 of 5 counted (a's first three and this one)
    now = 1_000 // ban over, still inside the first window
    expect(g.attempt('a', 'nat')).toBeUndefined()
  })
})

describe('PublishRate', () => {
  it('allows a burst of one second, then asks for waits that keep the client at its rate', () => {
    let now = 0
    const r = new PublishRate(10, 1_000_000, () => now)
    for (let k = 0; k < 10; k++) expect(r.take('c', 10)).toBe(0)
    expect(r.take('c', 10)).toBe(100)
    expect(r.take('other', 10)).toBe(0)
    now = 1_000
    expect(r.take('c', 10)).toBe(0)
    expect(new PublishRate(1_000, 100, () => 0).take('b', 300)).toBe(2_000)
  })
})

describe('PacketSizeGuard', () => {
  const run = async (max: number, chunks: Buffer[]) => {
    let refused = 0
    const g = new PacketSizeGuard(max, () => refused++)
    const out: Buffer[] = []
    g.on('data', (d: Buffer) => out.push(d))
    const failed = new Promise<boolean>((resolve) => {
      g.on('error', () => resolve(true))
      g.on('end', () => resolve(false))
    })
    for (const c of chunks) g.write(c)
    g.end()
    return { failed: await failed, refused, bytes: Buffer.concat(out) }
  }

  it('passes packets under the limit byte for byte, whatever the chunking (headers split across chunks included)', async () => {
    const stream = Buffer.concat([connectPacket('dev-1'), publishPacket(Buffer.from('outpost/v1/dev-1/telemetry'), Buffer.alloc(300, 7), 1), Buffer.from([0xc0, 0x00])])
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const chunks = Array.from({ length: Math.ceil(stream.length / size) }, (_, k) => stream.subarray(k * size, (k + 1) * size))
      const r = await run(1024, chunks)
      expect(r.failed, `chunk ${size}`).toBe(false)
      expect(r.bytes.equals(stream)).toBe(true)
    }
  })

  it('fails at the header of a packet over the limit, and at a remaining length longer than four bytes', async () => {
    const big = publishPacket(Buffer.from('t'), Buffer.alloc(2000), 0)
    const r = await run(1024, [big.subarray(0, 2), big.subarray(2, 3)])
    expect(r).toMatchObject({ failed: true, refused: 1 })
    expect(await run(1 << 30, [Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])])).toMatchObject({ failed: true, refused: 0 })
  })
})

describe('requiredRole', () => {
  it('decides by method and path', () => {
    expect(requiredRole('GET', '/v1/metrics/query')).toBe('viewer')
    expect(requiredRole('POST', '/v1/alerts/a1/ack')).toBe('operator')
    expect(requiredRole('POST', '/v1/alerts/a1/resolve/')).toBe('operator')
    expect(requiredRole('POST', '/v1/alerts/a1/delete')).toBe('admin')
    expect(requiredRole('DELETE', '/v1/silences/s1')).toBe('operator')
    expect(requiredRole('GET', '/v1/tokens')).toBe('admin')
    expect(requiredRole('GET', '/v1/audit')).toBe('admin')
    expect(requiredRole('PUT', '/v1/rules/r1')).toBe('admin')
    expect(requiredRole('POST', '/v1/devices')).toBe('admin')
    expect(requiredRole('POST', '/v1/receivers/pager/test')).toBe('operator')
    expect(requiredRole('GET', '/v1/notifications')).toBe('viewer')
    expect(requiredRole('POST', '/prometheus/api/v1/query')).toBe('viewer')
    expect(requiredRole('POST', '/prometheus/api/v1/query_range')).toBe('viewer')
    expect(requiredRole('POST', '/prometheus/api/v1/admin/tsdb/snapshot')).toBe('admin')
  })
})
