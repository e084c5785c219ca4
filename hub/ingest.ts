import type { Aedes } from 'aedes'
import { DecodeError } from '../protocol/errors.js'
import { decodeBatch, encodeAck } from '../protocol/codec.js'
import { topics } from '../protocol/topics.js'
import type { DecodeLimits } from '../protocol/cbor-limits.js'
import type { MetricStore } from './store/types.js'
import type { DeviceRegistry } from './devices.js'
import type { HubMetrics } from './self-metrics.js'

export interface IngestDeps {
  broker: Aedes
  store: MetricStore
  devices: DeviceRegistry
  metrics: HubMetrics
  limits: Partial<DecodeLimits>
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

/**
 * Decodes, validates and stores one telemetry payload, then acks it on `…/ack` (DESIGN §5: the ack
 * follows the durable write; the broker's PUBACK does not). A refused payload is counted and never acked.
 */
export async function ingestTelemetry(deps: IngestDeps, topicDevice: string, clientId: string | undefined, payload: Uint8Array): Promise<void> {
  const received = deps.clock()
  const timer = deps.metrics.ingestSeconds.startTimer()
  let batch
  try {
    batch = decodeBatch(payload, deps.limits)
    if (batch.dev !== topicDevice || (clientId !== undefined && clientId !== topicDevice)) {
      throw new DecodeError('invalid_field', `batch for device "${batch.dev}" on the topic of "${topicDevice}" from client "${clientId}"`)
    }
  } catch (err) {
    const reason = err instanceof DecodeError ? (err.message.startsWith('batch for device') ? 'wrong_device' : err.code) : 'malformed'
    deps.metrics.rejected.inc({ reason })
    deps.devices.recordRejected(topicDevice)
    deps.log('warning', 'telemetry rejected', { device: topicDevice, reason, error: (err as Error).message })
    return
  }
  let result
  try {
    result = await deps.store.ingest(batch)
  } catch (err) {
    // Not acked: the agent keeps the batch and sends it again.
    deps.metrics.rejected.inc({ reason: 'store_error' })
    deps.log('error', 'store write failed', { device: topicDevice, error: (err as Error).message })
    return
  }
  if (result.duplicate) deps.metrics.duplicates.inc()
  else {
    deps.metrics.batches.inc()
    deps.metrics.samples.inc(result.samples)
  }
  deps.devices.recordBatch(topicDevice, result.samples, result.duplicate, received - batch.at)
  deps.broker.publish(
    { cmd: 'publish', topic: topics.ack(topicDevice), payload: Buffer.from(encodeAck({ ep: batch.ep, seq: result.ackSeq })), qos: 1, retain: false, dup: false },
    (err) => {
      if (err) deps.log('warning', 'ack publish failed', { device: topicDevice, error: err.message })
      else deps.metrics.acks.inc()
    },
  )
  timer()
}
