// The credential store's interface (DESIGN §11): the records CredentialStore (credentials.ts) keeps, hashes only
// (HMAC-SHA-256 under the hub secret kept beside them; older scrypt ones until their next login). CredentialStore holds the logic (issuing, verifying, revoking, its cache) and reaches storage only through
// this. The LevelDB implementation is level-credential-records.ts; every implementation must pass
// test/hub/security/credential-record-store.case.ts.
import type { Role } from './roles.js'

export interface DeviceCredential {
  id: string
  hash: string
  createdAt: number
  createdBy: string
  revokedAt?: number
}

export interface ApiToken {
  /** The token's name: also its MQTT username for operator accounts, and the id in /v1/tokens/{id}. */
  id: string
  role: Role
  hash: string
  createdAt: number
  createdBy: string
}

/** Device credentials and API tokens, each by id; the two are apart (one id may name one of each). */
export interface CredentialRecordStore {
  /** Every device credential, revoked ones included, by id ascending. */
  loadDevices(): Promise<DeviceCredential[]>
  /** Every API token, by id ascending. */
  loadTokens(): Promise<ApiToken[]>
  /** Stores the record, replacing the stored one of its id; durable when the promise resolves. */
  putDevice(record: DeviceCredential): Promise<void>
  /** Stores every record in one atomic write (bulk provisioning): all or none. */
  putDevices(records: DeviceCredential[]): Promise<void>
  deleteDevice(id: string): Promise<void>
  putToken(record: ApiToken): Promise<void>
  deleteToken(id: string): Promise<void>
  /** The hub secret token hashes are keyed with: 32 random bytes made on first use, then the same bytes for good
   *  (it travels with the hashes it verifies: backups, migration, every hub of a cluster on one store). */
  tokenKey(): Promise<Buffer>
}
