// The console is a client of the hub's JSON API like any other (DESIGN §7): bearer token, {error:{code,message}}.

export type Role = 'viewer' | 'operator' | 'admin'

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string,
  ) {
    super(message)
  }
}

export interface Api {
  get<T = any>(path: string, signal?: AbortSignal): Promise<T>
  send<T = any>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>
  token: string
}

/** `onUnauthorized` runs on any 401: the token was revoked or is wrong, so the session ends (back to sign-in). */
export function createApi(token: string, onUnauthorized: () => void): Api {
  const call = async (method: string, path: string, body?: unknown, signal?: AbortSignal) => {
    let res: Response
    try {
      res = await fetch(path, {
        method,
        signal,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new ApiFailure(0, 'network', `the hub did not answer (${(err as Error).message})`, path)
    }
    if (res.status === 204) return undefined
    const text = await res.text()
    let json: any
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    if (!res.ok) {
      if (res.status === 401) onUnauthorized()
      const e = json?.error
      throw new ApiFailure(res.status, e?.code ?? 'http_error', e?.message ?? `HTTP ${res.status}`, path)
    }
    return json
  }
  return {
    token,
    get: (path, signal) => call('GET', path, undefined, signal),
    send: (method, path, body) => call(method, path, body),
  }
}

/** Checks a token: its name and role, or an ApiFailure (401 for a wrong token). */
export async function whoami(token: string): Promise<{ name: string; role: Role }> {
  return createApi(token, () => {}).get('/v1/whoami')
}

export const canOperate = (role: Role) => role === 'operator' || role === 'admin'
export const isAdmin = (role: Role) => role === 'admin'

/** Query string from an object, skipping empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ''
}
