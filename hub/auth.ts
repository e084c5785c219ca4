import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'
import type { Database } from './storage/db.js'
import { table } from './storage/keyspace.js'

const KEY = 'adminTokenHash'

/** Random secret tokens, stored only as salted scrypt hashes (DESIGN §11). */
export function newToken(): string {
  return 'op_' + randomBytes(24).toString('base64url')
}

export function hashToken(token: string, salt = randomBytes(16)): string {
  return `scrypt$${salt.toString('base64url')}$${scryptSync(token, salt, 32).toString('base64url')}`
}

export function verifyToken(token: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = scryptSync(token, Buffer.from(salt, 'base64url'), expected.length)
  return timingSafeEqual(actual, expected)
}

/** The hub's admin token: configured (OUTPOST_ADMIN_TOKEN), or generated on first start and printed once. */
export class AdminAuth {
  private stored?: string
  // scrypt is slow on purpose; remember tokens already verified (by their SHA-256) to keep requests fast.
  private readonly verified = new Set<string>()
  private readonly meta

  constructor(db: Database) {
    this.meta = table(db, 'auth')
  }

  /** Returns a newly generated token when one had to be made (show it once), else undefined. */
  async init(configured?: string): Promise<string | undefined> {
    this.stored = await this.meta.get(KEY)
    if (configured) {
      if (!this.stored || !verifyToken(configured, this.stored)) {
        this.stored = hashToken(configured)
        await this.meta.put(KEY, this.stored)
      }
      return undefined
    }
    if (this.stored) return undefined
    const token = newToken()
    this.stored = hashToken(token)
    await this.meta.put(KEY, this.stored)
    return token
  }

  check(token: string): boolean {
    if (!this.stored) return false
    const digest = createHash('sha256').update(token).digest('base64')
    if (this.verified.has(digest)) return true
    if (!verifyToken(token, this.stored)) return false
    this.verified.add(digest)
    return true
  }
}
