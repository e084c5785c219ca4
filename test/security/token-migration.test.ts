import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { createDatabase } from '../../hub/storage/db.js'
import { table } from '../../hub/storage/keyspace.js'
import { scryptHash } from '../../hub/security/token-hash.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir } from '../helpers/temp.js'
import { api, connect } from './support.js'

const DEVICES = ['pump-1', 'pump-2', 'pump-3', 'gate-7']

/**
 * Writes a hub data dir the way main did before issue 15: no hub secret in `auth`, and every device and API token
 * kept as `scrypt$salt$hash` (scryptHash is main's hashSecret, unchanged), records of the same shape.
 */
async function writeLegacyDataDir(dataDir: string): Promise<{ devices: Map<string, string>; token: string }> {
  const db = createDatabase(dataDir)
  await db.open()
  const devices = new Map<string, string>()
  const creds = table<'device-credentials', object>(db, 'device-credentials')
  for (const [k, id] of DEVICES.entries()) {
    const secret = `legacy-secret-${k}-` + 'x'.repeat(20) // main's 192-bit secrets are base64url, 32 chars
    devices.set(id, secret)
    await creds.put(id, { id, hash: await scryptHash(secret), createdAt: 1_700_000_000_000, createdBy: 'admin' })
  }
  await table<'api-tokens', object>(db, 'api-tokens').put('ops', { id: 'ops', role: 'operator', hash: await scryptHash('ops-secret'), createdAt: 1_700_000_000_000, createdBy: 'admin' })
  await db.close()
  return { devices, token: 'ops.ops-secret' }
}

async function storedHashes(dataDir: string): Promise<{ devices: Record<string, string>; ops: string; key?: string }> {
  const db = createDatabase(dataDir)
  await db.open()
  const devices: Record<string, string> = {}
  for await (const [id, d] of table<'device-credentials', { hash: string }>(db, 'device-credentials').iterator()) devices[id] = d.hash
  const ops = (await table<'api-tokens', { hash: string }>(db, 'api-tokens').get('ops'))!.hash
  const key = await table(db, 'auth').get('tokenHmacKey')
  await db.close()
  return { devices, ops, key }
}

describe('token hashes: scrypt from before issue 15 migrate to HMAC on login', { timeout: 60_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await hub?.stop()
    hub = undefined
    await dir.cleanup()
  })

  it('every device of an old data dir connects, its hash becomes HMAC, wrong tokens stay out, and the key persists', async () => {
    const dataDir = join(dir.dir, 'hub')
    const legacy = await writeLegacyDataDir(dataDir)
    expect(Object.values((await storedHashes(dataDir)).devices).every((h) => h.startsWith('scrypt$'))).toBe(true)

    hub = await startTestHub(dir.dir, { mqttCredentials: true })
    // A wrong token against a legacy hash is refused and leaves the hash as it was.
    await expect(connect(hub.mqttUrl, { clientId: 'pump-1', username: 'pump-1', password: 'wrong' })).rejects.toThrow(/Bad username or password|bad/i)
    for (const [id, secret] of legacy.devices) {
      const c = await connect(hub.mqttUrl, { clientId: id, username: id, password: secret })
      await c.endAsync()
    }
    expect((await api(hub, 'GET', '/v1/metrics/names', legacy.token)).status).toBe(200)
    expect(hub.hub.credentials.migrated).toBe(DEVICES.length + 1)
    await hub.stop()
    hub = undefined

    const after = await storedHashes(dataDir)
    expect(Object.keys(after.devices).sort()).toEqual([...DEVICES].sort())
    for (const h of Object.values(after.devices)) expect(h).toMatch(/^hmac-sha256\$[A-Za-z0-9_-]{43}$/)
    expect(after.ops).toMatch(/^hmac-sha256\$/)
    expect(after.key, 'hub secret kept in the auth table').toMatch(/^[A-Za-z0-9_-]{43}$/)

    // Restarted on the same dir: the same secret verifies the migrated hashes; a wrong token is still refused.
    hub = await startTestHub(dir.dir, { mqttCredentials: true })
    for (const [id, secret] of legacy.devices) {
      const c = await connect(hub.mqttUrl, { clientId: id, username: id, password: secret })
      await c.endAsync()
    }
    await expect(connect(hub.mqttUrl, { clientId: 'pump-2', username: 'pump-2', password: legacy.devices.get('pump-1') })).rejects.toThrow()
    expect(hub.hub.credentials.migrated).toBe(0)
  })

  it('new devices get 256-bit tokens kept as HMAC; a token differing in one character is refused', async () => {
    hub = await startTestHub(dir.dir, { mqttCredentials: true })
    const r = await api(hub, 'POST', '/v1/devices', undefined, { id: 'fresh-1' })
    expect(r.status).toBe(201)
    expect(Buffer.from(r.body.token, 'base64url')).toHaveLength(32)
    const c = await connect(hub.mqttUrl, { clientId: 'fresh-1', username: 'fresh-1', password: r.body.token })
    await c.endAsync()
    expect(await hub.hub.credentials.checkDevice('fresh-1', r.body.token)).toBe(true)
    const flipped = (r.body.token[0] === 'A' ? 'B' : 'A') + r.body.token.slice(1)
    expect(await hub.hub.credentials.checkDevice('fresh-1', flipped)).toBe(false)
    expect(await hub.hub.credentials.checkDevice('fresh-1', r.body.token.slice(1))).toBe(false)
  })
})
