import { join } from 'node:path'
import { LiveProbe, type LiveLatency } from './live-probe.js'
import {
  agentMetricsText, freePort, promValue, rssMiB, running, sleep, startOutpost, stopOutpost, until, type BenchProcess,
} from './processes.js'

// Catch-up after an outage (issue "Benchmarks"): a real `outpost agent` holds a 1,000,000-sample backlog while its
// hub is down; then the hub returns and the backlog drains beside live data. Measured: the agent's accept rate for
// the backlog, its drain rate, end-to-end live latency with no backlog (baseline) and during the drain, and the
// agent's resident memory idle, holding the backlog, at its peak during the drain and after. Loopback only; every
// wait is bounded. Run once uncapped (`--uplink-max-bytes-per-second 0`) and once capped at 2 MiB/s; in the capped
// run the agent is also restarted while it holds the backlog, to show its memory without the ingest's garbage.

const TOKEN = 'bench-drain-admin-token-0123456789abcdef'
const DEVICE = 'drain-dev'
const SERIES = 1_000
const STEPS = 1_000
const PER_REQUEST = 5_000
const BACKLOG = SERIES * STEPS
const MIB = 1024 * 1024
const CAP_BYTES_PER_SECOND = 2 * MIB

/** 1,000 sensors × 1,000 one-second steps ending now, as JSON bodies of 5,000 samples (one agent batch each). */
function backlogBodies(): string[] {
  const t0 = Math.floor(Date.now() / 1000) * 1000 - STEPS * 1000
  const stepsPerRequest = PER_REQUEST / SERIES
  const bodies: string[] = []
  for (let first = 0; first < STEPS; first += stepsPerRequest) {
    const metrics = []
    for (let t = first; t < first + stepsPerRequest; t++) {
      for (let s = 0; s < SERIES; s++) {
        // A slow wave per sensor plus jitter, three decimals: a float on the wire like real readings.
        const value = Math.round((21 + 4 * Math.sin(t / 120 + s) + ((t * 7919 + s * 104729) % 1000) / 2000) * 1000) / 1000
        metrics.push({ name: 'drain_bench_temperature_celsius', type: 'gauge', labels: { sensor: `s${String(s).padStart(4, '0')}` }, ts: t0 + t * 1000, value })
      }
    }
    bodies.push(JSON.stringify({ metrics }))
  }
  return bodies
}

async function startHub(data: string, mqttPort: number): Promise<{ proc: BenchProcess; api: string }> {
  const proc = startOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', '0', '--data', data, '--log-level', 'warning'],
    { OUTPOST_ADMIN_TOKEN: TOKEN })
  const m = await until(() => /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.output()) ?? (running(proc) ? undefined : fail(proc, 'hub')), 20_000, 'hub start')
    .catch(stoppingOnError(proc))
  return { proc, api: m[1] }
}

async function startAgent(data: string, mqttPort: number, listen: string, capBytesPerSecond: number, token: string): Promise<BenchProcess> {
  const proc = startOutpost(['agent', '--hub', `mqtt://127.0.0.1:${mqttPort}`, '--id', DEVICE, '--token', token, '--data', data, '--listen', listen,
    '--interval', '1h', '--uplink-reconnect-min', '100ms', '--uplink-reconnect-max', '500ms',
    '--uplink-max-bytes-per-second', String(capBytesPerSecond), '--log-level', 'warning'])
  await until(() => fetch(`http://${listen}/healthz`).then((r) => r.ok || undefined, () => (running(proc) ? undefined : fail(proc, 'agent'))), 15_000, 'agent listener')
    .catch(stoppingOnError(proc))
  return proc
}

async function provisionDevice(api: string): Promise<string> {
  const res = await fetch(`${api}/v1/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: DEVICE, rotate: true }),
  })
  if (res.status !== 201) throw new Error(`device add failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}

/** A process that did not come up is stopped before its error goes on. */
const stoppingOnError = (p: BenchProcess) => async (err: unknown): Promise<never> => {
  await stopOutpost(p)
  throw err
}
function fail(p: BenchProcess, what: string): never {
  throw new Error(`${what} exited early:\n${p.output().slice(-2000)}`)
}

interface DrainWatch {
  /** Resolves when the agent first reports itself connected (`performance.now()` then). */
  connected: Promise<number>
  done: Promise<{ connectedAt: number; drainedAt: number; peakRssMiB: number }>
}

/**
 * Samples the agent every 100 ms until its buffer is empty: when it reconnected, when the last batch was acked,
 * and its peak resident memory meanwhile.
 */
function watchDrain(listen: string, pid: number, startRssMiB: number, signal: AbortSignal): DrainWatch {
  let connectedAt = NaN
  let peakRssMiB = startRssMiB
  let onConnected: (at: number) => void = () => {}
  const connected = new Promise<number>((resolve) => (onConnected = resolve))
  const done = until(async () => {
    if (signal.aborted) throw new Error('drain watch cancelled')
    peakRssMiB = Math.max(peakRssMiB, await rssMiB(pid))
    const text = await agentMetricsText(listen)
    if (Number.isNaN(connectedAt) && promValue(text, 'outpost_agent_connected') === 1) onConnected((connectedAt = performance.now()))
    return promValue(text, 'outpost_agent_batches_pending') === 0 ? performance.now() : undefined
  }, 120_000, 'the backlog to drain', 100).then((drainedAt) => ({ connectedAt, drainedAt, peakRssMiB }))
  done.catch(() => {}) // awaited by the caller; this only keeps a failed hub start from leaving it unhandled
  return { connected, done }
}

/** Waits until the agent's gauge `name` equals `value`. */
async function agentGauge(listen: string, name: string, value: number, timeoutMs: number): Promise<void> {
  await until(async () => (promValue(await agentMetricsText(listen), name) === value ? true : undefined), timeoutMs, `${name} = ${value}`)
}

interface OutageResult {
  idleRssMiB: number
  backlogRssMiB: number
  /** NaN unless the agent was restarted with the backlog. */
  restartedRssMiB: number
  ingestSamplesPerSecond: number
  backlogBatches: number
  reconnectSeconds: number
  drainSeconds: number
  drainSamplesPerSecond: number
  peakRssMiB: number
  afterRssMiB: number
  hubSamplesStored: number
  baseline?: LiveLatency
  live: LiveLatency
}

interface OutageOptions {
  capBytesPerSecond: number
  /** Measure live latency with no backlog before the outage. */
  measureBaseline: boolean
  /** Restart the agent while it holds the backlog: its memory then holds the backlog and none of the ingest's. */
  restartWithBacklog: boolean
}

async function runOutage(dir: string, bodies: string[], o: OutageOptions): Promise<OutageResult> {
  const [mqttPort, listenPort] = [await freePort(), await freePort()]
  const listen = `127.0.0.1:${listenPort}`
  const ingest = `http://${listen}/v1/ingest`
  const hubData = join(dir, 'hub')
  let hub = await startHub(hubData, mqttPort)
  let agent: BenchProcess | undefined
  const cancel = new AbortController()
  try {
    const agentData = join(dir, 'agent')
    // The hub is secured as in production: the device gets its credentials through the API.
    const deviceToken = await provisionDevice(hub.api)
    agent = await startAgent(agentData, mqttPort, listen, o.capBytesPerSecond, deviceToken)
    let pid = agent.child.pid!
    await agentGauge(listen, 'outpost_agent_connected', 1, 15_000)
    await sleep(1_000)
    const idleRssMiB = await rssMiB(pid)

    let baseline: LiveLatency | undefined
    if (o.measureBaseline) {
      const probe = new LiveProbe({ ingest, api: hub.api, token: TOKEN, device: DEVICE, phase: 'baseline' })
      probe.start()
      await sleep(3_000)
      baseline = await probe.stop()
    }

    // The outage: the agent keeps accepting and buffering while it retries the hub every ≤ 500 ms.
    await stopOutpost(hub.proc)
    await agentGauge(listen, 'outpost_agent_connected', 0, 15_000)
    const started = performance.now()
    for (const body of bodies) {
      const res = await fetch(ingest, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      if (!res.ok) throw new Error(`backlog ingest refused: ${res.status} ${(await res.text()).slice(0, 300)}`)
    }
    const ingestSeconds = (performance.now() - started) / 1000
    await sleep(1_000)
    const backlogRssMiB = await rssMiB(pid)
    let restartedRssMiB = NaN
    if (o.restartWithBacklog) {
      await stopOutpost(agent)
      agent = await startAgent(agentData, mqttPort, listen, o.capBytesPerSecond, deviceToken)
      pid = agent.child.pid!
      await sleep(1_000)
      restartedRssMiB = await rssMiB(pid)
    }
    const backlogBatches = promValue(await agentMetricsText(listen), 'outpost_agent_batches_pending')

    // The hub returns: the agent is sampled from before the hub's spawn, so its reconnection is not missed.
    const hubStarted = performance.now()
    const watch = watchDrain(listen, pid, o.restartWithBacklog ? restartedRssMiB : backlogRssMiB, cancel.signal)
    hub = await startHub(hubData, mqttPort)
    // Live probes start once the agent is back: data it accepted while still offline is backlog by design.
    await Promise.race([watch.connected, watch.done])
    const probe = new LiveProbe({ ingest, api: hub.api, token: TOKEN, device: DEVICE, phase: `drain-${o.capBytesPerSecond}` })
    probe.start()
    const { connectedAt, drainedAt, peakRssMiB } = await watch.done.catch(async (err) => {
      await probe.stop(0)
      throw err
    })
    const live = await probe.stop()
    const drainSeconds = (drainedAt - connectedAt) / 1000
    await sleep(1_000)
    const afterRssMiB = await rssMiB(pid)
    const hubSamplesStored = promValue(await fetch(`${hub.api}/metrics`).then((r) => r.text()), 'outpost_hub_samples_total')
    return {
      idleRssMiB, backlogRssMiB, restartedRssMiB, backlogBatches, peakRssMiB, afterRssMiB, baseline, live, hubSamplesStored,
      ingestSamplesPerSecond: BACKLOG / ingestSeconds,
      reconnectSeconds: (connectedAt - hubStarted) / 1000,
      drainSeconds,
      drainSamplesPerSecond: BACKLOG / drainSeconds,
    }
  } finally {
    cancel.abort()
    if (agent) await stopOutpost(agent)
    await stopOutpost(hub.proc)
  }
}

const latencyFigures = (prefix: string, l: LiveLatency): Record<string, number> => ({
  [`${prefix} p50 ms`]: l.p50Ms,
  [`${prefix} p95 ms`]: l.p95Ms,
  [`${prefix} max ms`]: l.maxMs,
  [`${prefix} probes`]: l.sent,
  [`${prefix} probes missing`]: l.missing,
  [`${prefix} POST p95 ms`]: l.postP95Ms,
})

/** The catch-up benchmark; `dir` is a fresh, empty directory. Takes about a minute on two cores. */
export async function benchDrain(dir: string): Promise<Record<string, number>> {
  const bodies = backlogBodies()
  const free = await runOutage(join(dir, 'uncapped'), bodies, { capBytesPerSecond: 0, measureBaseline: true, restartWithBacklog: false })
  const capped = await runOutage(join(dir, 'capped'), bodies, { capBytesPerSecond: CAP_BYTES_PER_SECOND, measureBaseline: false, restartWithBacklog: true })
  return {
    'backlog samples': BACKLOG,
    'backlog batches held': free.backlogBatches,
    'ingest accept samples/s': free.ingestSamplesPerSecond,
    'reconnect after hub start s': free.reconnectSeconds,
    'drain s': free.drainSeconds,
    'drain samples/s': free.drainSamplesPerSecond,
    'hub samples stored': free.hubSamplesStored,
    ...latencyFigures('live baseline', free.baseline!),
    ...latencyFigures('live during drain', free.live),
    'rss idle MiB': free.idleRssMiB,
    'rss holding backlog MiB': free.backlogRssMiB,
    'rss peak during drain MiB': free.peakRssMiB,
    'rss after drain MiB': free.afterRssMiB,
    'capped cap bytes/s': CAP_BYTES_PER_SECOND,
    'capped drain s': capped.drainSeconds,
    'capped drain samples/s': capped.drainSamplesPerSecond,
    ...latencyFigures('capped live during drain', capped.live),
    'capped rss idle MiB': capped.idleRssMiB,
    'capped rss restarted holding backlog MiB': capped.restartedRssMiB,
    'capped rss peak during drain MiB': capped.peakRssMiB,
  }
}
