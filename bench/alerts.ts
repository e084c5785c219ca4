import { join } from 'node:path'
import mqtt from 'mqtt'
import { encodeBatch, encodeStatus } from '../protocol/codec.js'
import { MetricsBuilder } from '../protocol/metrics-builder.js'
import { PROTOCOL_VERSION, type DecodedBatch, type SeriesDef } from '../protocol/batch.js'
import { topics } from '../protocol/topics.js'
import { Hub } from '../hub/hub.js'
import { AlertEngine } from '../hub/alerts/engine.js'
import { AlertService } from '../hub/alerts/service.js'

// Alerting (issue 6): (1) latency from publishing a crossing sample to the MQTT alert message, beside a plain
// message through the same broker between the same clients (the floor: MQTT alone, no ingest, no alerting); (2) evaluation throughput with 1,000 rules
// over 10,000 series, beside the metric store's ingest of the same batches.

const quantile = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]
const silent = () => {}

export async function benchAlertLatency(dir: string, rounds = 200): Promise<Record<string, number>> {
  // The per-client publish rate limit (200/s by default) would throttle this tight loop and measure the limit, not alerting.
  const hub = new Hub({ data: join(dir, 'hub'), host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: true, maxBatchBytes: 1 << 20, compactInterval: 60_000, limits: { publishRate: 1_000_000 }, log: silent })
  await hub.start()
  const url = `mqtt://127.0.0.1:${hub.mqttPort}`
  await hub.alerts.putRule({ id: 'hot', kind: 'threshold', metric: 'bench_temp', agg: 'last', op: '>', threshold: 50, severity: 'high' }, 'create')
  const device = await mqtt.connectAsync(url, { clientId: 'bench-dev', reconnectPeriod: 0 })
  // Only operators may subscribe to alert topics (DESIGN §11), even on an --insecure hub.
  const operator = await hub.credentials.addToken('operator', 'bench', 'bench-ops')
  const ops = await mqtt.connectAsync(url, { clientId: 'bench-ops', username: 'bench-ops', password: operator.token, reconnectPeriod: 0 })
  const statusTopic = topics.status('bench-dev')
  const waiters: Array<{ match: (topic: string, payload: Buffer) => boolean; done: () => void }> = []
  const onMessage = (topic: string, payload: Buffer) => {
    for (let i = 0; i < waiters.length; i++) {
      if (waiters[i].match(topic, payload)) {
        waiters.splice(i, 1)[0].done()
        return
      }
    }
  }
  device.on('message', onMessage)
  ops.on('message', onMessage)
  await ops.subscribeAsync(['outpost/v1/alerts/#', statusTopic], { qos: 1 })
  const until = (match: (topic: string, payload: Buffer) => boolean) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench: no message within 10 s')), 10_000)
      waiters.push({ match, done: () => (clearTimeout(timer), resolve(performance.now())) })
    })
  let seq = 0
  const send = async (value: number) => {
    const b = new MetricsBuilder()
    b.add({ name: 'bench_temp', type: 'gauge', labels: {} }, Date.now(), value)
    const t0 = performance.now()
    await device.publishAsync(topics.telemetry('bench-dev'), Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: 'bench-dev', ep: 'bench', seq: ++seq, at: Date.now(), m: b.build() })), { qos: 1 })
    return t0
  }
  const alertMs: number[] = []
  const floorMs: number[] = []
  const state = (s: string) => (topic: string, p: Buffer) => topic.startsWith('outpost/v1/alerts/') && p.length > 0 && JSON.parse(p.toString()).state === s
  try {
    for (let i = 0; i < rounds; i++) {
      const firing = until(state('firing'))
      const t0 = await send(90)
      alertMs.push((await firing) - t0)
      // The floor: the same device's status message to the same operator (the ACL lets a device publish nothing else).
      const echoed = until((topic) => topic === statusTopic)
      const t1 = performance.now()
      await device.publishAsync(statusTopic, Buffer.from(encodeStatus({ state: 'online', ep: 'bench', at: Date.now(), version: 'bench' })), { qos: 1 })
      floorMs.push((await echoed) - t1)
      const resolved = until(state('resolved'))
      await send(10)
      await resolved
    }
  } finally {
    await device.endAsync()
    await ops.endAsync()
    await hub.stop()
  }
  return {
    'crossing → MQTT alert p50 ms': quantile(alertMs, 0.5),
    'crossing → MQTT alert p99 ms': quantile(alertMs, 0.99),
    'plain MQTT message p50 ms': quantile(floorMs, 0.5),
    'plain MQTT message p99 ms': quantile(floorMs, 0.99),
    rounds,
  }
}

const DEVICES = 100
const METRICS = 100
const RULES_PER_METRIC = 10
const STEPS = 20

/** 1,000 threshold rules (10 per metric name) over 10,000 series (100 devices × 100 metrics), 20 samples each. */
export async function benchAlertThroughput(dir: string): Promise<Record<string, number>> {
  const hub = new Hub({ data: join(dir, 'eval-hub'), host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: true, maxBatchBytes: 1 << 20, compactInterval: 3_600_000, log: silent })
  await hub.start()
  const series: SeriesDef[] = Array.from({ length: METRICS }, (_, m) => ({ name: `bench_m${m}`, type: 'gauge', labels: { unit: 'x' } }))
  const t0 = Date.now() - STEPS * 10_000
  const batches: DecodedBatch[] = []
  for (let step = 0; step < STEPS; step++) {
    for (let d = 0; d < DEVICES; d++) {
      const index = new Uint32Array(METRICS)
      const ts = new Float64Array(METRICS)
      const values = new Float64Array(METRICS)
      for (let m = 0; m < METRICS; m++) {
        index[m] = m
        ts[m] = t0 + step * 10_000
        // Mostly calm, with a few devices crossing now and then so states change.
        values[m] = (d + m + step) % 97 === 0 ? 99 : (d * 7 + m * 3 + step) % 50
      }
      batches.push({ v: PROTOCOL_VERSION, dev: `dev-${d}`, ep: 'bench', seq: step + 1, at: ts[0], m: { series, index, ts, values } })
    }
  }
  const samples = batches.length * METRICS

  // Baseline: the durable write of the same batches (no rules are consulted by the store).
  let start = performance.now()
  for (const b of batches) await hub.store.ingest(b)
  const storeSeconds = (performance.now() - start) / 1000

  const engine = new AlertEngine({ db: hub.db, store: hub.store, devices: hub.devices, notifiers: [], clock: Date.now, log: silent, tickMs: 3_600_000 })
  await engine.start()
  const service = new AlertService(engine, Date.now)
  const aggs = ['avg', 'max', 'last', 'p95', 'min'] as const
  for (let m = 0; m < METRICS; m++) {
    for (let r = 0; r < RULES_PER_METRIC; r++) {
      await service.putRule({ id: `r-${m}-${r}`, kind: 'threshold', metric: `bench_m${m}`, agg: aggs[r % aggs.length], window: '1m', op: '>', threshold: 90 + r / 10, severity: 'low' }, 'create')
    }
  }
  start = performance.now()
  for (const b of batches) engine.onBatch(b.dev, b, 0)
  await engine.idle()
  const evalSeconds = (performance.now() - start) / 1000
  const result = {
    rules: METRICS * RULES_PER_METRIC,
    series: DEVICES * METRICS,
    samples,
    'rule evaluations (observations)': engine.counters.observations,
    'evaluation samples/s': samples / evalSeconds,
    'rule evaluations/s': engine.counters.observations / evalSeconds,
    'store ingest samples/s (baseline)': samples / storeSeconds,
    'alert state changes written': (await engine.store.listAlerts(() => true, 1e9)).length,
  }
  await engine.stop()
  await hub.stop()
  return result
}
