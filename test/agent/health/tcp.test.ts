import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { checkFromConfig } from './run-check.js'

function listen(port = 0): Promise<{ server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve({ server, sockets }))
  })
}

async function close({ server, sockets }: { server: Server; sockets: Set<Socket> }): Promise<void> {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

describe('tcp health check', () => {
  it('flips healthy → unhealthy → healthy as the listener stops and starts on the same port', async () => {
    const first = await listen()
    const port = (first.server.address() as AddressInfo).port
    const { run } = checkFromConfig({ kind: 'tcp', host: '127.0.0.1', port, timeout: '2s' })

    expect(await run()).toMatchObject({ kind: 'tcp', status: 'healthy', message: `connected to 127.0.0.1:${port}` })
    await close(first)
    expect(await run()).toMatchObject({ status: 'unhealthy', message: expect.stringContaining('ECONNREFUSED') })
    const second = await listen(port)
    try {
      expect((await run()).status).toBe('healthy')
    } finally {
      await close(second)
    }
  })

  it('defaults host to 127.0.0.1 and refuses a port out of range', () => {
    expect(() => checkFromConfig({ kind: 'tcp', port: 70000 })).toThrow(/health\[0\]\.port: /)
    expect(() => checkFromConfig({ kind: 'tcp' })).toThrow(/health\[0\]\.port: /)
  })
})
