import { decode } from 'cbor-x'
import type { Agent, AgentOptions, BatchBody } from '../../../../agent/agent.js'
import { makeTestAgent } from '../../../helpers/agent.js'

/** A real agent with its local listener on a free loopback port; no collection, so the buffer holds only ingest. */
export async function startIngestAgent(dir: string, hubUrl: string, overrides: Partial<AgentOptions> = {}) {
  const agent = makeTestAgent(dir, hubUrl, { listen: '127.0.0.1:0', autoCollect: false, ...overrides })
  await agent.start()
  const url = `http://127.0.0.1:${agent.listenerAddress()!.port}`
  return { agent, url }
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

/** Every batch body in the agent's buffer, decoded. */
export async function bufferedBodies(agent: Agent): Promise<BatchBody[]> {
  return (await agent.buffer.read(0, 1000)).map((b) => decode(b.body) as BatchBody)
}

/** Reads one sample of the agent's own metrics, e.g. `outpost_agent_ingest_requests_total{result="accepted"}`. */
export async function agentMetric(url: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

export const metric = (k: number, extra: Record<string, unknown> = {}) => ({
  name: 'app_requests_total',
  type: 'counter',
  labels: { route: `/r${k}` },
  value: k,
  ...extra,
})
