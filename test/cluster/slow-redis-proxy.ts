import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface SlowRedisProxy {
  port: number
  url: string
  close(): Promise<void>
}

/**
 * A TCP proxy in front of a real redis-server that holds back the server's first answers on each new connection for
 * `delayMs` (as a loaded or distant Redis does), then passes everything through. A client's connection stays in its
 * handshake (ioredis status `connect`) that long, so what a hub does on Redis right after connecting happens inside it.
 */
export async function slowRedisProxy(redisPort: number, delayMs: number): Promise<SlowRedisProxy> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: redisPort })
    sockets.add(client).add(upstream)
    const held: Buffer[] = []
    let holding = true
    const timer = setTimeout(() => {
      holding = false
      for (const chunk of held.splice(0)) client.write(chunk)
    }, delayMs)
    upstream.on('data', (chunk: Buffer) => (holding ? held.push(chunk) : client.write(chunk)))
    client.on('data', (chunk: Buffer) => upstream.write(chunk))
    const end = () => {
      clearTimeout(timer)
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
