import type { Context } from 'hono'

/** Who is making a request: the auth middleware sets it; alert authors and audit entries read it. */
export function actorOf(c: Context): string {
  return (c.get('actor' as never) as string | undefined) ?? 'anonymous'
}

export function setActor(c: Context, name: string): void {
  c.set('actor' as never, name as never)
}

/** The caller's role (the console shows only the buttons it may use); --insecure callers act as admin. */
export function roleOf(c: Context): string {
  return (c.get('role' as never) as string | undefined) ?? 'admin'
}

export function setRole(c: Context, role: string): void {
  c.set('role' as never, role as never)
}
