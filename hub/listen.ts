// Binding the hub's listeners: a port that cannot be had stops the start with the setting named, not a stack.
import type { Server } from 'node:net'
import { listenError } from '../kit/startup-error.js'

/** Listens on host:port (0 picks a free port) and resolves with the port bound. */
export async function listenOn(server: Server, port: number, host: string, setting: string, backlog?: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port, setting))
    server.once('error', fail)
    server.listen({ port, host, backlog }, () => {
      server.off('error', fail)
      resolve()
    })
  })
  const address = server.address()
  return typeof address === 'object' && address ? address.port : port
}
