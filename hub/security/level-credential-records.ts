// Credential records in LevelDB: tables `device-credentials` and `api-tokens`, key the id, value JSON; the hub
// secret under `tokenHmacKey` in the `auth` table (docs/storage.md).
import { randomBytes } from 'node:crypto'
import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import type { ApiToken, CredentialRecordStore, DeviceCredential } from './types.js'

/** Name of the hub secret in the `auth` table (docs/security.md, "Token hashes"). */
const KEY_NAME = 'tokenHmacKey'

export class LevelCredentialRecords implements CredentialRecordStore {
  private readonly devices
  private readonly tokens
  private key?: Promise<Buffer>

  constructor(private readonly db: Database) {
    this.devices = table<'device-credentials', DeviceCredential>(db, 'device-credentials')
    this.tokens = table<'api-tokens', ApiToken>(db, 'api-tokens')
  }

  loadDevices(): Promise<DeviceCredential[]> {
    return this.devices.values().all()
  }

  loadTokens(): Promise<ApiToken[]> {
    return this.tokens.values().all()
  }

  putDevice(record: DeviceCredential): Promise<void> {
    return this.devices.put(record.id, record)
  }

  putDevices(records: DeviceCredential[]): Promise<void> {
    return this.devices.batch(records.map((r) => ({ type: 'put' as const, key: r.id, value: r })))
  }

  deleteDevice(id: string): Promise<void> {
    return this.devices.del(id)
  }

  putToken(record: ApiToken): Promise<void> {
    return this.tokens.put(record.id, record)
  }

  deleteToken(id: string): Promise<void> {
    return this.tokens.del(id)
  }

  tokenKey(): Promise<Buffer> {
    this.key ??= (async () => {
      const auth = table(this.db, 'auth')
      const stored = await auth.get(KEY_NAME)
      if (stored) return Buffer.from(stored, 'base64url')
      const key = randomBytes(32)
      await auth.put(KEY_NAME, key.toString('base64url'))
      return key
    })()
    return this.key
  }
}
