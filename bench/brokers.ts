import { mkdirSync } from 'node:fs'
import type { Hub } from '../hub/hub.js'
import { benchHub, percentile, runDevice, startRedis } from './mqtt-devices.js'

const N = Number(process.env.OUTPOST_BENCH_BROKER_MESSAGES ?? 2000)

/** Batches of 10 samples, one at a time, each waiting for its ack: publish-to-ack latency in ms. */
async function ackLatencies(hub: Hub, device: string): Promise<number[]> {
  const latencies: number[] = []
  await runDevice(`mqtt://127.0.0.1:${hub.mqttPort}`, device, { batches: N, samples: 10, window: 1, latencies })
  return latencies
}

/** Messages published on `from`'s broker, one at a time, each until `to`'s server-side subscriber has it (ms). */
async function busLatencies(from: Hub, to: Hub, topic: string): Promise<number[]> {
  let waiting: (() => void) | undefined
  const listener = (_p: unknown, done: () => void) => {
    waiting?.()
    done()
  }
  await new Promise<void>((r) => to.aedes!.subscribe(topic, listener, r))
  const out: number[] = []
  for (let k = 0; k < N; k++) {
    const t = performance.now()
    await new Promise<void>((resolve) => {
      waiting = resolve
      from.aedes!.publish({ cmd: 'publish', topic, payload: Buffer.from(String(k)), qos: 0, retain: false, dup: false }, () => {})
    })
    out.push(performance.now() - t)
  }
  await new Promise<void>((r) => to.aedes!.unsubscribe(topic, listener, r))
  return out
}

/**
 * Brokers joined through Redis (docs/cluster.md): publish-to-ack latency of one device on a hub with `--cluster`
 * against the same hub without it, and a message crossing to another hub against one delivered on its own hub,
 * all in one run on a real redis-server.
 */
export async function benchBrokers(dir: string): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true })
  const redis = await startRedis(dir)
  const url = redis.url
  const plain = benchHub(dir, 'plain')
  const a = benchHub(dir, 'a', { cluster: url })
  const b = benchHub(dir, 'b', { cluster: url })
  try {
    await Promise.all([plain.start(), a.start(), b.start()])
    const alone = await ackLatencies(plain, 'bench-plain')
    const clustered = await ackLatencies(a, 'bench-a')
    const local = await busLatencies(a, a, 'outpost/v1/alerts/low/bench/local')
    const cross = await busLatencies(a, b, 'outpost/v1/alerts/low/bench/cross')
    return {
      [`ack p50 ms, no cluster (${N} batches)`]: percentile(alone, 50),
      'ack p99 ms, no cluster': percentile(alone, 99),
      'ack p50 ms, --cluster': percentile(clustered, 50),
      'ack p99 ms, --cluster': percentile(clustered, 99),
      'ack p99, --cluster vs none': percentile(clustered, 99) / percentile(alone, 99),
      'bus p50 ms, same hub': percentile(local, 50),
      'bus p50 ms, hub to hub via Redis': percentile(cross, 50),
      'bus p99 ms, same hub': percentile(local, 99),
      'bus p99 ms, hub to hub via Redis': percentile(cross, 99),
    }
  } finally {
    await Promise.allSettled([plain.stop(), a.stop(), b.stop()])
    redis.stop()
  }
}
