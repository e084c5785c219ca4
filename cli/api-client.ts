import { Command } from 'commander'

export interface ApiTarget {
  api: string
  token?: string
}

/** `--api URL --token ADMIN` on the credential commands (DESIGN §2), with OUTPOST_API / OUTPOST_TOKEN as fallbacks. */
export function withApiOptions(cmd: Command): Command {
  return cmd
    .option('--api <url>', 'hub API base URL (env OUTPOST_API; for https with a private CA set NODE_EXTRA_CA_CERTS)', process.env.OUTPOST_API ?? 'http://127.0.0.1:8080')
    .option('--token <token>', 'admin API token (env OUTPOST_TOKEN, else OUTPOST_ADMIN_TOKEN)')
}

/** One API call; a non-2xx answer becomes an error carrying the hub's message. */
export async function callApi(target: ApiTarget, method: string, path: string, body?: unknown): Promise<any> {
  const text = await callApiText(target, method, path, body)
  try {
    return JSON.parse(text)
  } catch {
    return { error: { message: text } }
  }
}

/** One API call answering with the body as text (CSV, HTML); a non-2xx answer becomes an error as in callApi. */
export async function callApiText(target: ApiTarget, method: string, path: string, body?: unknown): Promise<string> {
  const token = target.token ?? process.env.OUTPOST_TOKEN ?? process.env.OUTPOST_ADMIN_TOKEN
  if (!token) throw new Error('an admin token is required: --token TOKEN or OUTPOST_TOKEN')
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(new URL(path, target.api.replace(/\/?$/, '/')), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  } catch (err) {
    throw new Error(`cannot reach the hub API at ${target.api}: ${(err as Error).cause ?? (err as Error).message}`)
  }
  const text = await res.text()
  if (!res.ok) {
    let message = text
    try {
      message = JSON.parse(text)?.error?.message ?? text
    } catch {}
    throw new Error(`${method} ${path}: ${res.status} ${message}`)
  }
  return text
}
