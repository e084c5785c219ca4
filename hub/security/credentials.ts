import { isValidDeviceId } from '../../protocol/ids.js'
import type { AdminAuth } from '../auth.js'
import type { Role } from './roles.js'
import { hashSecret, isLegacyHash, newSecret, verifySecret } from './token-hash.js'
import type { ApiToken, CredentialRecordStore, DeviceCredential } from './types.js'

export type { ApiToken, DeviceCredential } from './types.js'

export interface Identity {
  name: string
  role: Role
}

export class CredentialError extends Error {
  constructor(
    readonly code: 'invalid_id' | 'exists' | 'not_found',
    message: string,
  ) {
    super(message)
  }
}

// Token names never contain '.', so an API token `name.secret` splits at its first dot.
const TOKEN_NAME = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Device credentials and API/operator tokens (DESIGN §11), kept only as HMAC-SHA-256 hashes under the hub secret in
 * a CredentialRecordStore, so a reconnect storm costs microseconds per device. Hashes of the older scrypt form still verify and are
 * rewritten as HMAC on their next successful login (docs/security.md, "Token hashes").
 */
export class CredentialStore {
  private readonly devices = new Map<string, DeviceCredential>()
  private readonly tokens = new Map<string, ApiToken>()
  private key: Buffer = Buffer.alloc(0)
  /** Logins that rewrote a legacy scrypt hash as HMAC (counted for docs/security.md's migration). */
  migrated = 0
  /** A store shared with other hubs: a name this hub does not know is looked up again, at most once a second. */
  private shared = false
  private reloadedAt = -Infinity
  private reloading?: Promise<void>

  constructor(
    private readonly records: CredentialRecordStore,
    private readonly admin: AdminAuth,
    private readonly clock: () => number = Date.now,
  ) {}

  async open(): Promise<void> {
    this.key = await this.records.tokenKey()
    for (const d of await this.records.loadDevices()) this.devices.set(d.id, d)
    for (const t of await this.records.loadTokens()) this.tokens.set(t.id, t)
  }

  /** Other hubs add devices and tokens to the same store (docs/cluster.md): unknown names are looked up there. */
  shareStore(): void {
    this.shared = true
  }

  /** A shared store: takes in the devices and tokens other hubs added (at most once a second; the device list). */
  async refresh(): Promise<void> {
    if (this.shared) await this.lookUp(undefined)
  }

  /** A shared store: reads the records again when `name` is unknown here (at most once a second for all names). */
  private async lookUp(name: string | undefined): Promise<void> {
    if (!this.shared || (name !== undefined && (this.devices.has(name) || this.tokens.has(name)))) return
    if (!this.reloading && performance.now() - this.reloadedAt >= 1_000) {
      this.reloadedAt = performance.now()
      this.reloading = (async () => {
        const [devices, tokens] = await Promise.all([this.records.loadDevices(), this.records.loadTokens()])
        for (const d of devices) if (!this.devices.has(d.id)) this.devices.set(d.id, d)
        for (const t of tokens) if (!this.tokens.has(t.id)) this.tokens.set(t.id, t)
      })().finally(() => (this.reloading = undefined))
    }
    await this.reloading
  }

  /** Creates a device (or gives a revoked or, with `rotate`, an active one a new token); returns the token once. */
  async addDevice(id: string, by: string, rotate = false): Promise<string> {
    if (!isValidDeviceId(id)) throw new CredentialError('invalid_id', `invalid device id ${JSON.stringify(id)}: must match [A-Za-z0-9._-]{1,64} and not be a reserved name`)
    const existing = this.devices.get(id)
    if (existing && existing.revokedAt === undefined && !rotate) throw new CredentialError('exists', `device "${id}" already has credentials (revoke it, or rotate)`)
    if (this.tokens.has(id)) throw new CredentialError('exists', `"${id}" is already the name of an API token`)
    const secret = newSecret()
    const record: DeviceCredential = { id, hash: hashSecret(secret, this.key), createdAt: this.clock(), createdBy: by }
    this.devices.set(id, record)
    await this.records.putDevice(record)
    return secret
  }

  /**
   * Creates many devices in one atomic write (bulk provisioning, docs/api.md): every entry is checked first, so a
   * bad or taken id refuses the whole list naming its index and nothing is written. Returns each token once.
   */
  async addDevices(entries: Array<{ id: string; rotate?: boolean }>, by: string): Promise<Array<{ id: string; token: string }>> {
    const seen = new Set<string>()
    entries.forEach(({ id, rotate }, i) => {
      if (!isValidDeviceId(id)) throw new CredentialError('invalid_id', `devices[${i}].id: invalid device id ${JSON.stringify(id)}: must match [A-Za-z0-9._-]{1,64} and not be a reserved name`)
      if (seen.has(id)) throw new CredentialError('exists', `devices[${i}].id: "${id}" appears twice in the list`)
      seen.add(id)
      const existing = this.devices.get(id)
      if (existing && existing.revokedAt === undefined && !rotate) throw new CredentialError('exists', `devices[${i}].id: device "${id}" already has credentials (revoke it, or rotate)`)
      if (this.tokens.has(id)) throw new CredentialError('exists', `devices[${i}].id: "${id}" is already the name of an API token`)
    })
    const now = this.clock()
    const made = entries.map(({ id }) => {
      const token = newSecret()
      return { id, token, record: { id, hash: hashSecret(token, this.key), createdAt: now, createdBy: by } satisfies DeviceCredential }
    })
    await this.records.putDevices(made.map(({ record }) => record))
    for (const { id, record } of made) this.devices.set(id, record)
    return made.map(({ id, token }) => ({ id, token }))
  }

  async revokeDevice(id: string): Promise<DeviceCredential> {
    const d = this.devices.get(id)
    if (!d || d.revokedAt !== undefined) throw new CredentialError('not_found', `device "${id}" has no active credentials`)
    const revoked = { ...d, revokedAt: this.clock() }
    this.devices.set(id, revoked)
    await this.records.putDevice(revoked)
    return revoked
  }

  /** Forgets a device's credentials entirely (purge): no record, revoked or not, is left. */
  async purgeDevice(id: string): Promise<boolean> {
    const had = this.devices.delete(id)
    await this.records.deleteDevice(id)
    return had
  }

  listDevices(): Array<Omit<DeviceCredential, 'hash'>> {
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id)).map(({ hash: _hash, ...rest }) => rest)
  }

  isDevice(id: string): boolean {
    return this.devices.has(id)
  }

  isRevoked(id: string): boolean {
    return this.devices.get(id)?.revokedAt !== undefined
  }

  async checkDevice(id: string, secret: string): Promise<boolean> {
    await this.lookUp(id)
    const d = this.devices.get(id)
    if (!d || d.revokedAt !== undefined) return false
    return this.check(id, secret, d.hash, (hash) => this.rehashDevice(id, d, hash))
  }

  /** Creates an API token; returns the full bearer string `name.secret` once. */
  async addToken(role: Role, by: string, name?: string): Promise<{ id: string; token: string }> {
    const id = name ?? `${role}-${newSecret().slice(0, 8).replace(/[^A-Za-z0-9]/g, 'x')}`
    if (!TOKEN_NAME.test(id) || !isValidDeviceId(id)) throw new CredentialError('invalid_id', `invalid token name ${JSON.stringify(id)}: must match [A-Za-z0-9_-]{1,64}`)
    if (this.tokens.has(id) || this.devices.has(id) || id === 'admin') throw new CredentialError('exists', `the name "${id}" is taken`)
    const secret = newSecret()
    const record: ApiToken = { id, role, hash: hashSecret(secret, this.key), createdAt: this.clock(), createdBy: by }
    this.tokens.set(id, record)
    await this.records.putToken(record)
    return { id, token: `${id}.${secret}` }
  }

  async revokeToken(id: string): Promise<void> {
    if (!this.tokens.has(id)) throw new CredentialError('not_found', `token "${id}" not found`)
    this.tokens.delete(id)
    await this.records.deleteToken(id)
  }

  listTokens(): Array<Omit<ApiToken, 'hash'>> {
    return [...this.tokens.values()].sort((a, b) => a.id.localeCompare(b.id)).map(({ hash: _hash, ...rest }) => rest)
  }

  /** Who a bearer token belongs to: the hub's admin token, or a named token `name.secret`. */
  async identify(bearer: string): Promise<Identity | undefined> {
    if (this.admin.check(bearer)) return { name: 'admin', role: 'admin' }
    const dot = bearer.indexOf('.')
    if (dot <= 0) return undefined
    return this.identifyNamed(bearer.slice(0, dot), bearer.slice(dot + 1))
  }

  /** An operator account's MQTT login: username = token name, password = the whole token or its secret part. */
  async identifyNamed(name: string, secret: string): Promise<Identity | undefined> {
    if (secret.startsWith(name + '.')) secret = secret.slice(name.length + 1)
    await this.lookUp(name)
    const t = this.tokens.get(name)
    if (!t || !(await this.check(name, secret, t.hash, (hash) => this.rehashToken(name, t, hash)))) return undefined
    return { name, role: t.role }
  }

  private async check(name: string, secret: string, hash: string, rehash: (hmac: string) => Promise<void>): Promise<boolean> {
    if (!(await verifySecret(secret, hash, this.key))) return false
    if (!isLegacyHash(hash)) return true
    // Revoked or rotated while scrypt ran: the old secret no longer counts.
    if (this.devices.get(name)?.hash !== hash && this.tokens.get(name)?.hash !== hash) return false
    await rehash(hashSecret(secret, this.key))
    return true
  }

  /** A legacy scrypt hash, just verified, rewritten as HMAC unless the record changed meanwhile. */
  private async rehashDevice(id: string, was: DeviceCredential, hash: string): Promise<void> {
    if (this.devices.get(id) !== was) return
    const record = { ...was, hash }
    this.devices.set(id, record)
    await this.records.putDevice(record)
    this.migrated++
  }

  private async rehashToken(id: string, was: ApiToken, hash: string): Promise<void> {
    if (this.tokens.get(id) !== was) return
    const record = { ...was, hash }
    this.tokens.set(id, record)
    await this.records.putToken(record)
    this.migrated++
  }
}
