import { readFileSync } from 'node:fs'
import type { Client } from 'aedes'
import type { HubContext } from './context.js'
import type { HubModule } from './lifecycle.js'
import { startBroker } from './broker.js'
import { mqttAccessHooks, MqttSessions } from './security/mqtt-access.js'
import { ClusterLink } from './cluster/cluster-link.js'
import { AdmissionQueue } from './limits/admission.js'
import { ConnectGuard } from './limits/connect-guard.js'
import { PublishRate } from './limits/rate.js'
import type { LimitReason } from './limits/config.js'

/** TLS key material read once at start, shared by mqtts and HTTPS. */
export interface Pem {
  cert: Buffer
  key: Buffer
  ca?: Buffer
}

export function readPem(hub: HubContext): Pem | undefined {
  const { cert, key, ca } = hub.settings.tls
  // TLS is on when a certificate is set; the CLI checked that its key (and CA, for client certificates) are too.
  return cert && key ? { cert: readFileSync(cert), key: readFileSync(key), ca: ca ? readFileSync(ca) : undefined } : undefined
}

/** The embedded aedes broker with its access hooks: credentials, the ACL, connect and publish limits. */
export function brokerModule(hub: HubContext, pem: Pem | undefined): HubModule {
  return {
    name: 'broker',
    async start() {
      const { options, settings, log, limits } = hub
      const tls = settings.tls
      const sessions = new MqttSessions()
      const refused = (reason: LimitReason, client: Client | null) => {
        hub.metrics.limited.inc({ reason })
        log('debug', 'refused by a limit or the ACL', { reason, client: client?.id })
        if (client?.id) hub.devices.recordLimited(client.id, reason, 1, sessions.get(client)?.kind === 'device')
      }
      const hooks = mqttAccessHooks(
        {
          credentials: hub.credentials,
          requireCredentials: options.mqttCredentials ?? !settings.insecure,
          limits,
          connectGuard: new ConnectGuard(limits, hub.clock),
          admission: (hub.admission = new AdmissionQueue(limits)),
          rate: new PublishRate(limits.publishPerSecond, limits.publishBytesPerSecond, hub.clock),
          peerOf: (client) => hub.broker!.peerOf(client),
          refused,
          log,
        },
        sessions,
      )
      const cluster = (hub.cluster = settings.cluster ? new ClusterLink({ url: settings.cluster, registry: hub.metrics.registry, log }) : undefined)
      const broker = (hub.broker = await startBroker({
        host: settings.host,
        port: !pem || tls.plainMqtt ? settings.mqttPort : undefined,
        tls: pem ? { ...pem, port: tls.mqttPort, requireClientCert: tls.clientCerts } : undefined,
        maxPacketBytes: limits.maxPacketBytes,
        hooks: cluster ? { ...hooks, id: cluster.brokerId, mq: cluster.mq, persistence: cluster.persistence } : hooks,
        onPacketTooLarge: () => refused('packet_too_large', null),
        proxyProtocol: settings.proxyProtocol,
        onProxyHeaderRefused: () => refused('proxy_header', null),
      }))
      hub.mqttPort = broker.port
      hub.mqttsPort = broker.tlsPort
      broker.broker.on('client', () => hub.metrics.mqttClients.set(broker.broker.connectedClients))
      broker.broker.on('clientDisconnect', () => hub.metrics.mqttClients.set(broker.broker.connectedClients))
    },
    stop: async () => {
      hub.admission?.close()
      await hub.broker?.close()
      hub.cluster?.close()
    },
  }
}
