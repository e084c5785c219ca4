import type { Aedes } from 'aedes'
import { DecodeError } from '../protocol/errors.js'
import { decodeBatch, encodeAck } from '../protocol/codec.js'
import { topics } from '../protocol/topics.js'
import type { Ack, DecodedBatch } from '../protocol/batch.js'
import type { DecodeLimits } from '../protocol/cbor-limits.js'
import type { MetricStore } from './metrics/store/types.js'
import type { DeviceRegistry } from './devices.js'
import type { HubMetrics } from './self-metrics.js'
import { applyTimeWindow, correctionFor, type ClockOffsets, type ClockPolicy } from './clock.js'

export interface IngestDeps {
  broker: Aedes
  store: MetricStore
  devices: DeviceRegistry
  metrics: HubMetrics
  limits: Partial<DecodeLimits>
  clockOffsets: ClockOffsets
  clockPolicy: ClockPolicy
  /** Test-only: store duplicates too, so crash tests can prove their checker sees them. */
  dedupDisabled?: boolean
  /** Test-only: called after the durable write, before the ack (crash injection). */
  afterWrite?: () => void
  /** Per-device limits on series, labels and log lines (hub/limits/batch-limits.ts). */
  limitBatch?: (device: string, batch: DecodedBatch) => DecodedBatch
  /**
   * Called once per newly stored batch, after the durable write (the alert engine, DESIGN §1). A promise means the
   * engine is behind: the ack waits for it (back-pressure; the device keeps and resends un-acked batches).
   */
  onStored?: (device: string, batch: DecodedBatch, tsShift: number) => Promise<void> | undefined | void
  /** A batch the store already had (a resend), before its ack. */
  onDuplicate?: (device: string, batch: DecodedBatch, tsShift: number) => Promise<void> | undefined | void
  /** A store shared with other hubs: waits until this hub writes for the device (hub/cluster/claims.ts). */
  claim?: (device: string) => Promise<void>
  /** The disk under the store (hub/storage/space.ts): while it is full nothing is written or acked. */
  storage?: { readonly full: unknown; noteError(err: unknown): boolean }
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

/**
 * Decodes, validates and stores one telemetry payload, then acks it on `…/ack` (DESIGN §5: the ack
 * follows the durable write; the broker's PUBACK does not). A refused payload is counted and never acked.
 */
function ackFor(ep: string, result: { ackSeq: number; storedRanges: Array<[number, number]> }): Ack {
  return result.storedRanges.length > 0 ? { ep, seq: result.ackSeq, r: result.storedRanges } : { ep, seq: result.ackSeq }
}

/**
 * A claim or write the store refused: not acked, so the agent keeps the batch and sends it again. A full disk or an
 * unreachable store is the storage monitor's to report (/readyz unready, the hub condition).
 */
function storeFailed(deps: IngestDeps, device: string, err: unknown): void {
  if (deps.storage?.noteError(err)) {
    deps.metrics.rejected.inc({ reason: 'storage_full' })
    return
  }
  deps.metrics.rejected.inc({ reason: 'store_error' })
  deps.log('error', 'store write failed', { device, error: (err as Error).message })
}

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
  // A shared store: this hub writes for the device first; taking it over reloads what the hub caches of it (its series
  // count for the limits too), so the limits see what the device made on other hubs.
  try {
    await deps.claim?.(topicDevice)
  } catch (err) {
    storeFailed(deps, topicDevice, err)
    return
  }
  if (deps.limitBatch) batch = deps.limitBatch(topicDevice, batch)
  // DESIGN §5: correct timestamps by the device's measured clock offset; refuse samples outside the window.
  const offset = deps.clockOffsets.observe(topicDevice, received, batch.at, (jump) => {
    deps.devices.recordClockJump(topicDevice, jump)
    deps.log('warning', 'device clock stepped', { device: topicDevice, fromMs: jump.fromMs, toMs: jump.toMs })
  })
  const shift = correctionFor(offset, deps.clockPolicy)
  const windowed = applyTimeWindow(batch.m, shift, received, deps.clockPolicy)
  if (windowed.tooNew) deps.metrics.samplesRejected.inc({ reason: 'too_new' }, windowed.tooNew)
  if (windowed.tooOld) deps.metrics.samplesRejected.inc({ reason: 'too_old' }, windowed.tooOld)
  if (deps.storage?.full) {
    // No ack: the device keeps the batch and sends it again once the disk has room (docs/delivery.md, full disk).
    deps.metrics.rejected.inc({ reason: 'storage_full' })
    return
  }
  let result
  try {
    const toStore = { ...batch, m: windowed.metrics }
    result = await deps.store.ingest(deps.dedupDisabled ? { ...toStore, ep: `${batch.ep}.${received}.${Math.random()}`.slice(0, 64) } : toStore, { tsOffset: shift })
  } catch (err) {
    storeFailed(deps, topicDevice, err)
    return
  }
  deps.afterWrite?.()
  if (result.duplicate) {
    deps.metrics.duplicates.inc()
    const behind = deps.onDuplicate?.(topicDevice, { ...batch, m: windowed.metrics }, shift)
    if (behind) await behind
  } else {
    deps.metrics.batches.inc()
    deps.metrics.samples.inc(result.samples)
    const behind = deps.onStored?.(topicDevice, { ...batch, m: windowed.metrics }, shift)
    if (behind) await behind
  }
  if (deps.dedupDisabled) result = { ...result, ackSeq: 0, storedRanges: [[batch.seq, batch.seq] as [number, number]] }
  deps.devices.recordBatch(topicDevice, result.samples, result.duplicate, offset, shift !== 0, windowed.tooNew + windowed.tooOld)
  deps.broker.publish(
    { cmd: 'publish', topic: topics.ack(topicDevice), payload: Buffer.from(encodeAck(ackFor(batch.ep, result))), qos: 1, retain: false, dup: false },
    (err) => {
      if (err) deps.log('warning', 'ack publish failed', { device: topicDevice, error: err.message })
      else deps.metrics.acks.inc()
    },
  )
  timer()
}
