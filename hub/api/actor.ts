import type { Context } from 'hono'

/** Who is making a request: the auth middleware sets it; alert authors and audit entries read it. */
export function actorOf(c: Context): string {
  return (c.get('actor' as never) as string | undefined) ?? 'anonymous'
}

export function setActor(c: Context, name: string): void {
  c.set('actor' as never, name as never)
}
