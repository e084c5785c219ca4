import { connect as netConnect } from 'node:net'
import mqtt from 'mqtt'
import { decodeBatch, encodeBatch } from '../../protocol/codec.js'
import { DecodeError } from '../../protocol/errors.js'
import { topics } from '../../protocol/topics.js'
import { prng } from '../../agent/collectors/synthetic/index.js'
import type { TestHub } from '../helpers/hub.js'
import { batchCorpus, mqttSession, mutate, type Rng } from './mutate.js'

export interface FuzzOptions {
  seed: number
  cborCases: number
  mqttCases: number
  /** Every n-th mutated batch also goes through the real hub's ingest over MQTT. */
  publishEvery: number
  hangMs: number
  log?: (line: string) => void
}

export interface FuzzReport {
  seed: number
  cborCases: number
  cborDecoded: number
  cborPublished: number
  mqttCases: number
  crashes: Array<{ part: string; index: number; error: string }>
  hangs: Array<{ part: string; index: number; ms: number }>
  prototypeChanged: boolean
  hubHealthy: boolean
  seconds: number
}

function prototypeSnapshot(): string {
  const describe = (o: object) => Object.getOwnPropertyNames(o).sort().join(',')
  return [describe(Object.prototype), describe(Array.prototype), describe(Function.prototype), String(({} as any).polluted)].join('|')
}

/**
 * Seeded, bounded fuzzing of the hub's two doors (issue 7): mutated CBOR batches through the decoder (and a share
 * through the real hub's ingest over MQTT), and mutated MQTT sessions over raw sockets. The same seed gives the
 * same cases. Crash = an exception other than DecodeError, or an uncaught one; hang = a case over `hangMs`.
 */
export async function runFuzz(hub: TestHub, o: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now()
  const before = prototypeSnapshot()
  const report: FuzzReport = { seed: o.seed, cborCases: 0, cborDecoded: 0, cborPublished: 0, mqttCases: 0, crashes: [], hangs: [], prototypeChanged: false, hubHealthy: false, seconds: 0 }
  const uncaught = (err: unknown) => report.crashes.push({ part: 'uncaught', index: -1, error: String((err as Error)?.stack ?? err) })
  process.on('uncaughtException', uncaught)
  process.on('unhandledRejection', uncaught)
  try {
    await fuzzCbor(hub, o, prng(o.seed), report)
    await fuzzMqtt(hub, o, prng(o.seed ^ 0x9e3779b9), report)
    report.hubHealthy = await healthy(hub)
  } finally {
    process.off('uncaughtException', uncaught)
    process.off('unhandledRejection', uncaught)
  }
  report.prototypeChanged = prototypeSnapshot() !== before
  report.seconds = (Date.now() - started) / 1000
  return report
}

async function healthy(hub: TestHub): Promise<boolean> {
  const res = await fetch(`${hub.apiUrl}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
  return res?.status === 200
}

async function fuzzCbor(hub: TestHub, o: FuzzOptions, rng: Rng, report: FuzzReport): Promise<void> {
  const device = 'fz-cbor'
  const batches = batchCorpus(device)
  const seeds = batches.map((b) => encodeBatch(b))
  const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: device, reconnectPeriod: 200, keepalive: 30 })
  let inflight: Array<Promise<unknown>> = []
  try {
    for (let i = 0; i < o.cborCases; i++) {
      const payload = mutate(rng, seeds, batches)
      const t = performance.now()
      try {
        decodeBatch(payload)
        report.cborDecoded++
      } catch (err) {
        if (!(err instanceof DecodeError)) report.crashes.push({ part: 'cbor', index: i, error: String((err as Error).stack ?? err) })
      }
      const ms = performance.now() - t
      if (ms > o.hangMs) report.hangs.push({ part: 'cbor', index: i, ms })
      if (i % o.publishEvery === 0) {
        inflight.push(client.publishAsync(topics.telemetry(device), Buffer.from(payload), { qos: 1 }).catch(() => {}))
        report.cborPublished++
        if (inflight.length >= 64) {
          await Promise.all(inflight)
          inflight = []
        }
      }
      report.cborCases++
      if (o.log && i > 0 && i % 20_000 === 0) o.log(`cbor ${i}/${o.cborCases}`)
    }
    await Promise.all(inflight)
  } finally {
    await client.endAsync(true)
  }
}

/** One mutated session over a raw socket; resolves when the hub closes it or it goes quiet. */
function session(port: number, bytes: Buffer, quietMs: number, limitMs: number): Promise<number> {
  return new Promise((resolve) => {
    const t = performance.now()
    const socket = netConnect(port, '127.0.0.1')
    let quiet: NodeJS.Timeout | undefined
    const done = () => {
      clearTimeout(quiet)
      clearTimeout(limit)
      socket.destroy()
      resolve(performance.now() - t)
    }
    const limit = setTimeout(done, limitMs)
    const rearm = () => {
      clearTimeout(quiet)
      quiet = setTimeout(done, quietMs)
    }
    socket.on('error', () => {})
    socket.on('close', done)
    socket.on('data', rearm)
    socket.on('connect', () => {
      socket.write(bytes)
      rearm()
    })
  })
}

async function fuzzMqtt(hub: TestHub, o: FuzzOptions, rng: Rng, report: FuzzReport): Promise<void> {
  const batches = batchCorpus('fz-0')
  const payload = encodeBatch(batches[0])
  const concurrency = 16
  let next = 0
  const worker = async () => {
    while (next < o.mqttCases) {
      const i = next++
      const device = `fz-${i % 64}`
      const s = mqttSession(device, payload)
      // Mostly mutate after a valid CONNECT, to reach the states behind it; sometimes the CONNECT itself.
      const bytes = rng() < 0.75 ? Buffer.concat([s.connect, Buffer.from(mutate(rng, [s.rest], []))]) : Buffer.from(mutate(rng, [Buffer.concat([s.connect, s.rest])], []))
      const ms = await session(hub.hub.mqttPort, bytes, 50, o.hangMs * 5)
      if (ms >= o.hangMs * 5) report.hangs.push({ part: 'mqtt', index: i, ms })
      report.mqttCases++
      if (i > 0 && i % 1000 === 0) {
        if (!(await healthy(hub))) report.hangs.push({ part: 'mqtt-health', index: i, ms: 5_000 })
        o.log?.(`mqtt ${i}/${o.mqttCases}`)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}
