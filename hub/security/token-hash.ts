import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>

/** Name of the hub secret in the `auth` table (docs/security.md, "Token hashes"). */
const KEY_NAME = 'tokenHmacKey'

/** A random secret of 256 bits (DESIGN §11), URL-safe and free of '.', so `name.secret` splits at the first dot. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The hub secret that keys token hashes: 256 random bits made on the first start, kept in the database's `auth`
 * table so it travels with the hashes it verifies (a backup, `outpost migrate`, every hub of a cluster on one store).
 * Tokens are random 256-bit secrets, so the hashes stay unguessable even when the key leaks with them.
 */
export async function loadTokenKey(db: Database): Promise<Buffer> {
  const auth = table(db, 'auth')
  const stored = await auth.get(KEY_NAME)
  if (stored) return Buffer.from(stored, 'base64url')
  const key = randomBytes(32)
  await auth.put(KEY_NAME, key.toString('base64url'))
  return key
}

/** HMAC-SHA-256 under the hub secret: the form every new secret is kept in (DESIGN §11); microseconds per check. */
export function hashSecret(secret: string, key: Buffer): string {
  return `hmac-sha256$${createHmac('sha256', key).update(secret).digest('base64url')}`
}

/** Whether a stored hash is of the older scrypt form, rewritten as HMAC on the next successful login. */
export function isLegacyHash(stored: string): boolean {
  return stored.startsWith('scrypt$')
}

/** Checks a secret against its stored hash, HMAC (constant-time compare) or legacy salted scrypt (off the event loop). */
export async function verifySecret(secret: string, stored: string, key: Buffer): Promise<boolean> {
  const [scheme, a, b] = stored.split('$')
  if (scheme === 'hmac-sha256' && a) return safeEqual(createHmac('sha256', key).update(secret).digest(), Buffer.from(a, 'base64url'))
  if (scheme === 'scrypt' && a && b) return verifyScrypt(secret, stored)
  return false
}

/** Salted scrypt, how secrets were kept before issue 15 (still made by the bench as the baseline). */
export async function scryptHash(secret: string): Promise<string> {
  const salt = randomBytes(16)
  return `scrypt$${salt.toString('base64url')}$${(await scryptAsync(secret, salt, 32)).toString('base64url')}`
}

export async function verifyScrypt(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  return safeEqual(await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length), expected)
}

function safeEqual(actual: Buffer, expected: Buffer): boolean {
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
