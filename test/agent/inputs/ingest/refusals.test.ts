import { Hono } from 'hono'
import { Telemetry } from '../../../../agent/telemetry.js'
import { prometheusRegistry } from '../../../../agent/telemetry-registry.js'
import { describe, expect, it } from 'vitest'
import { BufferFullError } from '../../../../agent/buffer/types.js'
import { mountIngest } from '../../../../agent/inputs/ingest/route.js'
import { DecodeError } from '../../../../protocol/errors.js'

/** The route's answer to each way `accept` can fail, with accept replaced by one that throws. */
function appThatFails(err: unknown) {
  const app = new Hono()
  const logged: string[] = []
  const telemetry = new Telemetry()
  mountIngest(app, {
    accept: async () => {
      throw err
    },
    telemetry,
    retryAfterSeconds: 7,
    log: (level, msg, extra) => logged.push(`${level} ${msg} ${JSON.stringify(extra)}`),
  })
  const post = async () => {
    const res = await app.request('/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ logs: [{ level: 'info', message: 'x' }] }),
    })
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any }
  }
  return { post, logged, registry: prometheusRegistry(telemetry) }
}

describe('POST /v1/ingest when the agent refuses the data', () => {
  it('a DecodeError from the agent is a 400 with its code and message', async () => {
    const { post } = appThatFails(new DecodeError('invalid_field', 'l[0].ts: must be a finite number, got NaN'))
    expect(await post()).toMatchObject({ status: 400, body: { error: { code: 'invalid_field', message: 'l[0].ts: must be a finite number, got NaN' } } })
  })

  it('a full buffer is a 503 with Retry-After', async () => {
    const { post, registry } = appThatFails(new BufferFullError('buffer full'))
    expect(await post()).toMatchObject({ status: 503, retryAfter: '7', body: { error: { code: 'buffer_full' } } })
    expect(await registry.metrics()).toContain('outpost_agent_ingest_requests_total{result="buffer_full"} 1')
  })

  it('any other failure is a 500, logged, without internals in the answer', async () => {
    const { post, logged, registry } = appThatFails(new Error('LEVEL_IO_ERROR: disk gone'))
    const res = await post()
    expect(res).toMatchObject({ status: 500, body: { error: { code: 'internal' } } })
    expect(res.body.error.message).not.toContain('LEVEL_IO_ERROR')
    expect(logged).toEqual([expect.stringContaining('LEVEL_IO_ERROR: disk gone')])
    expect(await registry.metrics()).toContain('outpost_agent_ingest_requests_total{result="internal"} 1')
  })
})
