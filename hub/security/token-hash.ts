import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>

/** A random secret of 192 bits, URL-safe and free of '.', so `name.secret` splits at the first dot. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url')
}

/** Salted scrypt, the only form a secret is kept in (DESIGN §11); off the event loop. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16)
  return `scrypt$${salt.toString('base64url')}$${(await scryptAsync(secret, salt, 32)).toString('base64url')}`
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Key for the cache of secrets already verified: a digest, so the cache never holds a secret. */
export function digestOf(name: string, secret: string): string {
  return createHash('sha256').update(name).update('\0').update(secret).digest('base64')
}
