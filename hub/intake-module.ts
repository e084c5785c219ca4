import type { AedesPublishPacket, Client } from 'aedes'
import { decodeStatus } from '../protocol/codec.js'
import { parseDeviceTopic } from '../protocol/topics.js'
import type { HubContext } from './context.js'
import type { HubModule } from './lifecycle.js'
import { ingestTelemetry, type IngestDeps } from './ingest.js'
import { ClockOffsets } from './clock.js'
import { clockPolicy } from './settings.js'
import { backlogOf, publishErrorLogs } from './events/sources.js'
import { handoverKey } from './alerts/handover.js'
import type { DecodedBatch } from '../protocol/batch.js'

/** The MQTT intake as the compaction policy and the API's readiness see it. */
export interface IntakeModule extends HubModule {
  /** Telemetry is accepted (GET /ready). */
  accepting(): boolean
  /** performance.now() of the last telemetry publish: an ingest burst is under way while it is recent. */
  lastTelemetryAt(): number
}

/**
 * Routes device publishes (telemetry, status, command replies) to ingest, presence and remote configuration.
 * Stopping refuses new publishes and lets those in flight finish, so their batches get their acks (DESIGN §5).
 */
export function intakeModule(hub: HubContext): IntakeModule {
  let accepting = false
  let lastTelemetryAt = -Infinity
  const inflight = new Set<Promise<void>>()
  const track = (p: Promise<void>) => {
    inflight.add(p)
    p.catch((err) => hub.log('error', 'handler failed', { error: String(err) })).finally(() => inflight.delete(p))
  }

  const onPublish = (deps: IngestDeps, packet: AedesPublishPacket, client: Client | null) => {
    const parsed = parseDeviceTopic(packet.topic)
    if (!parsed || !accepting) return
    if (parsed.kind === 'telemetry' && client) {
      lastTelemetryAt = performance.now()
      track(ingestTelemetry(deps, parsed.device, client.id, packet.payload as Buffer))
    } else if (parsed.kind === 'cmd/reply' && client) {
      track(hub.remote.onReply(parsed.device, packet.payload as Buffer))
    } else if (parsed.kind === 'status' && packet.payload.length > 0) {
      try {
        const status = decodeStatus(packet.payload as Buffer)
        track(hub.devices.applyStatus(parsed.device, status))
        hub.events.publish({ type: 'device', device: parsed.device, online: status.state === 'online', at: hub.clock() })
        // In a cluster only the leader's engine runs (docs/cluster.md).
        if (hub.alertEngine?.running) hub.alertEngine.onStatus(parsed.device, status.state === 'online')
      } catch (err) {
        hub.log('warning', 'bad status message', { device: parsed.device, error: (err as Error).message })
      }
    }
  }

  return {
    name: 'intake',
    accepting: () => accepting,
    lastTelemetryAt: () => lastTelemetryAt,
    async start() {
      const { options, settings, metrics, devices, batchLimits } = hub
      const broker = hub.broker!.broker
      const engine = hub.alertEngine!
      // In a cluster a stored batch is in the hand-over inbox before its ack, then evaluated by the leader's engine
      // (here, or told over the bus): exactly once across leaders (hub/alerts/handover.ts, docs/cluster.md).
      const handOver = async (device: string, batch: DecodedBatch, shift: number) => {
        const handover = handoverKey(device, batch.ep, batch.seq)
        await engine.store.putHandover({ key: handover, device, batch, shift, at: Date.now() })
        const behind = engine.running ? engine.onBatch(device, batch, shift, handover) : hub.cluster?.forwardBatch(device, batch, shift, handover)
        if (behind) await behind
      }
      batchLimits.seed(await hub.store.series({}))
      const deps: IngestDeps = {
        broker,
        store: hub.store,
        devices,
        metrics,
        limits: { maxBytes: settings.maxBatchBytes },
        clockOffsets: new ClockOffsets(),
        clockPolicy: clockPolicy(settings.clock),
        storage: hub.space,
        dedupDisabled: options.testing?.dedupDisabled,
        afterWrite: options.testing?.afterWrite,
        limitBatch: (device, batch) => {
          const limited = batchLimits.apply(device, batch)
          for (const [reason, n] of Object.entries(limited.refused)) {
            metrics.limited.inc({ reason }, n)
            devices.recordLimited(device, reason, n, true)
          }
          return limited.batch
        },
        onStored: (device, batch, shift) => {
          if (!batch.hist) {
            const backlog = backlogOf(batch)
            if (backlog) devices.recordBacklog(device, backlog)
          }
          publishErrorLogs(hub.events, device, batch)
          return hub.leadership.clustered ? handOver(device, batch, shift) : engine.onBatch(device, batch, shift)
        },
        // A resend of a batch stored before a hub died may never have reached the hand-over: it goes in now (once).
        onDuplicate: (device, batch, shift) => (hub.leadership.clustered ? handOver(device, batch, shift) : undefined),
        clock: hub.clock,
        log: hub.log,
      }
      const claims = hub.claims
      if (claims) {
        deps.claim = (device) => claims.take(device)
        broker.on('clientDisconnect', (client) => claims.release(client.id))
      }
      broker.on('publish', (packet, client) => onPublish(deps, packet, client))
      accepting = true
    },
    async stop() {
      accepting = false
      await Promise.allSettled([...inflight])
    },
  }
}
