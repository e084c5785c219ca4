import { join } from 'node:path'
import { spawnOutpost, type Proc } from '../helpers/processes.js'

export const ADMIN = 'cluster-admin-token-0123456789abcdef'

export interface HubProc {
  proc: Proc
  api: string
  mqtt: string
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>
  metric(name: string): Promise<number>
}

/** `outpost hub` as a process on loopback ports it picks itself; `extra` adds flags (`--cluster …`). */
export async function startHub(dir: string, name: string, extra: string[], env: Record<string, string> = {}): Promise<HubProc> {
  const proc = spawnOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', join(dir, name), ...extra], { OUTPOST_ADMIN_TOKEN: ADMIN, ...env })
  const m = await proc.waitFor(/MQTT on 127\.0\.0\.1:(\d+), API on (http:\/\/127\.0\.0\.1:\d+)/, 60_000)
  const api = m[2]
  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    let parsed: any = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    return { status: res.status, body: parsed }
  }
  return {
    proc,
    api,
    mqtt: `mqtt://127.0.0.1:${m[1]}`,
    call,
    async metric(name) {
      const text = await (await fetch(`${api}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
      return line ? Number(line.split(' ').pop()) : NaN
    },
  }
}

/** Provisions a device on a hub; returns its token there. */
export async function addDevice(hub: HubProc, id: string): Promise<string> {
  const r = await hub.call('POST', '/v1/devices', { id })
  if (r.status !== 201) throw new Error(`device add ${id}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.token
}

export async function addOperator(hub: HubProc, name: string): Promise<string> {
  const r = await hub.call('POST', '/v1/tokens', { role: 'operator', name })
  if (r.status !== 201) throw new Error(`token add ${name}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.token
}

export interface AgentProc {
  proc: Proc
  metric(name: string): Promise<number>
}

/** `outpost agent` as a process reporting every second; `hub` may be a comma-separated list. */
export async function startAgent(dir: string, id: string, hub: string, token?: string): Promise<AgentProc> {
  const proc = spawnOutpost(['agent', '--hub', hub, '--id', id, '--interval', '1s', '--listen', '127.0.0.1:0', '--data', join(dir, `agent-${id}`), '--uplink-reconnect-max', '2s', '--uplink-ack-timeout', '3s'], token ? { OUTPOST_TOKEN: token } : {})
  const m = await proc.waitFor(/local listener on (http:\/\/127\.0\.0\.1:\d+)/, 60_000)
  return {
    proc,
    async metric(name) {
      const text = await (await fetch(`${m[1]}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith(`${name} `))
      return line ? Number(line.split(' ').pop()) : NaN
    },
  }
}
