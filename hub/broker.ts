import { createServer, type Server } from 'node:net'
import { Aedes, type AedesOptions } from 'aedes'
import { isValidDeviceId } from '../protocol/ids.js'

export interface BrokerHandle {
  broker: Aedes
  server: Server
  port: number
  close(): Promise<void>
}

/** Embedded aedes on TCP. Client ids must be valid device ids (DESIGN §3); issue "Security" adds credentials and ACLs. */
export async function startBroker(host: string, port: number, hooks: Partial<AedesOptions> = {}): Promise<BrokerHandle> {
  const broker = await Aedes.createBroker({
    preConnect: (client, packet, done) => {
      // Refuse wildcard and reserved client ids before any other handling.
      const ok = isValidDeviceId(packet.clientId)
      done(ok ? null : new Error(`client id ${JSON.stringify(packet.clientId)} is not a valid device id`), ok)
    },
    ...hooks,
  })
  const server = createServer(broker.handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  return {
    broker,
    server,
    port: actualPort,
    async close() {
      // aedes disconnects its clients first, so the server's close is not held open by them.
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
