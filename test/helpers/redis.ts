import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/** A free loopback port (Redis must come back on the same one after a kill). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface RedisServer {
  port: number
  url: string
  /** Starts (again) on the same port. */
  start(): Promise<void>
  /** kill -9: no goodbye to clients. */
  kill(): Promise<void>
}

/** Debian's redis-server on 127.0.0.1, nothing saved to disk, its files in `dir`. */
export async function redisServer(dir: string): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes']
      const proc = (child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }))
      let out = ''
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 20_000)
        proc.stdout!.on('data', (d: Buffer) => {
          out += d.toString()
          if (/Ready to accept connections/.test(out)) {
            clearTimeout(timer)
            resolve()
          }
        })
        proc.once('exit', (code) => {
          clearTimeout(timer)
          reject(new Error(`redis-server exited (${code}):\n${out}`))
        })
      })
    },
    async kill() {
      const proc = child
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise((resolve) => proc.once('exit', resolve))
      proc.kill('SIGKILL')
      await exited
    },
  }
  await server.start()
  return server
}
