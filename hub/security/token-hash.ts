import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>

/** A random secret of 256 bits (DESIGN §11), URL-safe and free of '.', so `name.secret` splits at the first dot. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url')
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
