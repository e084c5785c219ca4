import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { checkFromConfig } from './run-check.js'

type Handler = Parameters<typeof createServer>[1]

function listen(handler: Handler, port = 0): Promise<Server> {
  const server = createServer(handler)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).filter((s) => s.listening).map(close))
})

async function serve(handler: Handler, port = 0): Promise<{ server: Server; port: number }> {
  const server = await listen(handler, port)
  servers.push(server)
  return { server, port: (server.address() as AddressInfo).port }
}

describe('http health check', () => {
  it('flips healthy → unhealthy → healthy as the server stops and starts on the same port', async () => {
    const ok: Handler = (_req, res) => res.end('ok')
    const first = await serve(ok)
    const { run } = checkFromConfig({ kind: 'http', url: `http://127.0.0.1:${first.port}/health`, timeout: '2s' })

    const up = await run()
    expect(up).toMatchObject({ check: 'under-test', kind: 'http', status: 'healthy', message: 'HTTP 200' })
    expect(up.latencyMs).toBeGreaterThanOrEqual(0)

    await close(first.server)
    const down = await run()
    expect(down.status).toBe('unhealthy')
    expect(down.message).toMatch(/ECONNREFUSED|request failed/)

    await serve(ok, first.port)
    expect((await run()).status).toBe('healthy')
  })

  it('is unhealthy on an unexpected status and accepts the statuses it is told to', async () => {
    let status = 503
    const { port } = await serve((_req, res) => {
      res.statusCode = status
      res.end()
    })
    const url = `http://127.0.0.1:${port}/`
    expect(await checkFromConfig({ kind: 'http', url }).run()).toMatchObject({ status: 'unhealthy', message: 'HTTP 503, expected 200-399' })
    expect((await checkFromConfig({ kind: 'http', url, status: ['2xx', 503] }).run()).status).toBe('healthy')
    status = 204
    expect((await checkFromConfig({ kind: 'http', url, status: 200 }).run()).status).toBe('unhealthy')
    expect((await checkFromConfig({ kind: 'http', url, status: '200-299' }).run()).status).toBe('healthy')
  })

  it('matches the body against a regular expression', async () => {
    let body = '{"db":"up"}'
    const { port } = await serve((_req, res) => res.end(body))
    const { run } = checkFromConfig({ kind: 'http', url: `http://127.0.0.1:${port}/`, bodyMatches: '"db":\\s*"up"' })
    expect((await run()).status).toBe('healthy')
    body = '{"db":"down"}'
    expect(await run()).toMatchObject({ status: 'unhealthy', message: expect.stringContaining('body does not match') })
  })

  it('reports a server that never answers as unhealthy once the timeout passes', async () => {
    const { port } = await serve(() => {}) // holds every request open
    const started = Date.now()
    const result = await checkFromConfig({ kind: 'http', url: `http://127.0.0.1:${port}/`, timeout: '300ms', interval: '1s' }).run()
    expect(result).toMatchObject({ status: 'unhealthy', message: 'timed out after 300 ms' })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('is degraded when slower than degradedAbove', async () => {
    const { port } = await serve((_req, res) => setTimeout(() => res.end('ok'), 150))
    const result = await checkFromConfig({ kind: 'http', url: `http://127.0.0.1:${port}/`, degradedAbove: '50ms' }).run()
    expect(result.status).toBe('degraded')
    expect(result.latencyMs).toBeGreaterThanOrEqual(150)
  })
})
