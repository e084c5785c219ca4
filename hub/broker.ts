import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { listenOn } from './listen.js'
import type { Duplex } from 'node:stream'
import { Aedes, type AedesOptions, type Client } from 'aedes'
import { isValidDeviceId } from '../protocol/ids.js'
import { guardedConnection } from './limits/packet-guard.js'
import { readProxyHeader } from './limits/proxy-header.js'
import { indexedMemoryPersistence } from './broker-retained.js'
import { stackSafeEmitter } from './broker-emitter.js'

export interface BrokerTls {
  cert: string | Buffer
  key: string | Buffer
  ca?: string | Buffer
  port: number
  /** Refuse clients without a certificate signed by `ca`; the certificate's CN is then the device id. */
  requireClientCert: boolean
}

export interface BrokerOptions {
  host: string
  /** Plain TCP port; undefined: no plain listener (TLS only). */
  port?: number
  tls?: BrokerTls
  maxPacketBytes: number
  hooks?: Partial<AedesOptions>
  onPacketTooLarge?: () => void
  /** The plain listener is behind a load balancer that sends a PROXY protocol header (v1 or v2) first (docs/cluster.md). */
  proxyProtocol?: boolean
  /** A connection without a valid PROXY header, closed. */
  onProxyHeaderRefused?: (why: string) => void
}

/** Longest wait for a load balancer's PROXY header. */
const PROXY_HEADER_TIMEOUT_MS = 10_000

export interface PeerInfo {
  address?: string
  certCN?: string
  certRequired: boolean
}

export interface BrokerHandle {
  broker: Aedes
  port: number
  tlsPort?: number
  peerOf(client: Client): PeerInfo
  /** The connected client with this id, if any. */
  client(id: string): Client | undefined
  close(): Promise<void>
}

// A reconnect storm opens thousands of connections at once: past the accept backlog (Node's default 511) the kernel
// drops SYNs and clients retry after 1, 3, 7, 15 s…; the kernel caps this at net.core.somaxconn.
const ACCEPT_BACKLOG = 8192

/** Embedded aedes on TCP and/or TLS; every connection passes the packet-size guard first. */
export async function startBroker(o: BrokerOptions): Promise<BrokerHandle> {
  const broker = await Aedes.createBroker({
    preConnect: (client, packet, done) => {
      // Refuse wildcard and reserved client ids before any other handling (DESIGN §3).
      const ok = isValidDeviceId(packet.clientId)
      done(ok ? null : new Error(`client id ${JSON.stringify(packet.clientId)} is not a valid device id`), ok)
    },
    ...o.hooks,
    // A cluster passes its shared persistence and bus in the hooks; alone, aedes's memory persistence with a
    // retained-topic index and aedes's bus (concurrency 100, empty levels match: MQTT-4.7.1-3) with bounded recursion.
    persistence: o.hooks?.persistence ?? indexedMemoryPersistence(),
    mq: o.hooks?.mq ?? stackSafeEmitter({ concurrency: 100, matchEmptyLevels: true }),
  })
  const peers = new WeakMap<Duplex, PeerInfo>()
  const accept = (socket: Socket, info: PeerInfo) => {
    socket.on('error', () => {}) // a reset peer is routine; aedes sees the close
    // aedes turns Nagle off on the sockets it is given; behind the packet guard it cannot, and small acks and alerts
    // would wait for the peer's delayed ACK (~40 ms each).
    socket.setNoDelay(true)
    const conn = guardedConnection(socket, o.maxPacketBytes, () => o.onPacketTooLarge?.())
    peers.set(conn, info)
    broker.handle(conn)
  }
  const servers: Server[] = []
  let port = 0
  if (o.port !== undefined) {
    const server = createServer((socket) => {
      if (!o.proxyProtocol) return accept(socket, { address: socket.remoteAddress, certRequired: false })
      socket.on('error', () => {})
      readProxyHeader(socket, PROXY_HEADER_TIMEOUT_MS).then(
        ({ address, rest }) => {
          if (rest.length > 0) socket.unshift(rest)
          // The client's address for the per-address limits is the one the load balancer saw.
          accept(socket, { address: address ?? socket.remoteAddress, certRequired: false })
        },
        (err: Error) => {
          o.onProxyHeaderRefused?.(err.message)
          socket.destroy()
        },
      )
    })
    port = await listenOn(server, o.port, o.host, 'mqttPort', ACCEPT_BACKLOG)
    servers.push(server)
  }
  let tlsPort: number | undefined
  if (o.tls) {
    const t = o.tls
    const server = createTlsServer({ cert: t.cert, key: t.key, ca: t.ca, requestCert: t.requireClientCert, rejectUnauthorized: t.requireClientCert }, (socket: TLSSocket) => {
      const cn = t.requireClientCert ? socket.getPeerCertificate()?.subject?.CN : undefined
      accept(socket, { address: socket.remoteAddress, certCN: typeof cn === 'string' ? cn : undefined, certRequired: t.requireClientCert })
    })
    server.on('tlsClientError', () => {}) // a refused handshake closes that socket only
    tlsPort = await listenOn(server, t.port, o.host, 'tls.mqttPort', ACCEPT_BACKLOG)
    servers.push(server)
  }
  const clients = (broker as unknown as { clients: Record<string, Client> }).clients
  return {
    broker,
    port,
    tlsPort,
    peerOf: (client) => peers.get(client.conn as Duplex) ?? { certRequired: false },
    client: (id) => clients[id],
    async close() {
      // aedes disconnects its clients first, so the servers' close is not held open by them.
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    },
  }
}
