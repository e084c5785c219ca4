// Credential records in LevelDB: tables `device-credentials` and `api-tokens`, key the id, value JSON (docs/storage.md).
import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import type { ApiToken, CredentialRecordStore, DeviceCredential } from './types.js'

export class LevelCredentialRecords implements CredentialRecordStore {
  private readonly devices
  private readonly tokens

  constructor(db: Database) {
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

  deleteDevice(id: string): Promise<void> {
    return this.devices.del(id)
  }

  putToken(record: ApiToken): Promise<void> {
    return this.tokens.put(record.id, record)
  }

  deleteToken(id: string): Promise<void> {
    return this.tokens.del(id)
  }
}
