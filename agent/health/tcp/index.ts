// The tcp check: a TCP connection to host:port opens within the timeout. See README.md.
import { connect } from 'node:net'
import * as z from 'zod'
import type { HealthKindPlugin, HealthProbe, ProbeOutcome } from '../types.js'

const optionsSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
})

export type TcpCheckOptions = z.output<typeof optionsSchema>

export function tcpCheckPlugin(): HealthKindPlugin<typeof optionsSchema> {
  return {
    name: 'tcp',
    description: 'a TCP connection to host:port opens within the timeout',
    options: optionsSchema,
    create: (options) => new TcpProbe(options),
  }
}

export class TcpProbe implements HealthProbe {
  constructor(private readonly options: TcpCheckOptions) {}

  probe(signal: AbortSignal): Promise<ProbeOutcome> {
    const { host, port } = this.options
    return new Promise((resolve, reject) => {
      // The socket is closed as soon as it connects: the check only proves something listens.
      const socket = connect({ host, port, signal })
      socket.once('connect', () => {
        socket.destroy()
        resolve({ status: 'healthy', message: `connected to ${host}:${port}` })
      })
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.destroy()
        if (signal.aborted) reject(err)
        else resolve({ status: 'unhealthy', message: `cannot connect to ${host}:${port}: ${err.code ?? err.message}` })
      })
    })
  }
}
