import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import * as z from 'zod'
import { addSettingsToCommand, resolveSettings, type Setting } from '../config.js'
import { agentSettings, type AgentSettings } from '../settings.js'
import { duration, positiveInt } from '../../kit/setting-values.js'
import { createLogger } from '../log.js'
import { simulate, simulatedIds, type SimulateOptions } from '../simulate.js'
import { callApi, type ApiTarget } from '../api-client.js'
import { runFleet, type FleetReport } from '../fleet/simulator.js'
import { packageVersion } from '../agent-factory.js'

/** Gives every simulated device (new) credentials through the bulk route, 5,000 per request. */
async function provisionDevices(target: ApiTarget, ids: string[]): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {}
  for (let k = 0; k < ids.length; k += 5_000) {
    const r = await callApi(target, 'POST', 'v1/devices', { devices: ids.slice(k, k + 5_000).map((id) => ({ id, rotate: true })) })
    for (const d of r.devices as Array<{ id: string; token: string }>) tokens[d.id] = d.token
  }
  return tokens
}

// A backfill is all backlog. Batches of 20,000 samples (~175 KB) keep per-batch costs (buffer write, ack, dedup
// mark) small; larger ones up to the hub's 1 MiB limit are no faster and make the hub's allocations lumpier.
// Four in flight per device keep the link busy without queueing megabytes of payload at the hub.
const BACKFILL_BATCH_SAMPLES = 20_000
const BACKFILL_INFLIGHT = 4

const simulateSettings: Setting[] = [
  { path: 'devices', description: 'number of simulated devices', schema: positiveInt, default: 1 },
  { path: 'series', description: 'series per device', schema: positiveInt, default: 10 },
  { path: 'duration', description: 'run live for this long', schema: duration },
  { path: 'backfill', description: 'send this much history as fast as the hub accepts it, then exit', schema: duration },
  { path: 'idPrefix', description: 'device id prefix', schema: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/), default: 'sim-' },
  { path: 'json', description: 'print the final report as JSON', schema: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]), default: false },
  ...agentSettings.filter((s) => ['hub', 'token', 'interval', 'logLevel'].includes(s.path)),
  { path: 'batch.maxSamples', description: 'samples per batch before it is sealed (split further to fit 1 MiB)', schema: positiveInt, default: BACKFILL_BATCH_SAMPLES },
  { path: 'uplink.inflight', description: 'batches sent and not yet acked at once, per device', schema: positiveInt, default: BACKFILL_INFLIGHT },
  { path: 'api', description: 'hub API URL: with --admin-token, each simulated device is given its own credentials there', schema: z.string().url() },
  { path: 'adminToken', description: 'admin token for --api (env OUTPOST_ADMIN_TOKEN)', schema: z.string().min(1) },
  { path: 'data', description: 'directory for the simulated agents\' buffers (default: a temp dir, removed after)', schema: z.string().min(1) },
  {
    path: 'buffer',
    description: 'level: each device is the real agent with its own LevelDB buffer; memory: one MQTT connection per device keeping unacked batches in memory, for fleets of thousands (live mode only)',
    schema: z.enum(['level', 'memory']),
    default: 'level',
  },
]

export function simulateCommand(): Command {
  const cmd = new Command('simulate').description('run N simulated agents (the real agent code) with deterministic series')
  addSettingsToCommand(cmd, simulateSettings)
  return cmd.action(async (flags: Record<string, unknown>) => {
    const s = resolveSettings<SimulateOptions & Pick<AgentSettings, 'logLevel'> & { data?: string; json: boolean; api?: string; adminToken?: string; buffer: 'level' | 'memory' }>(simulateSettings, flags)
    if (s.duration !== undefined && s.backfill !== undefined) throw new Error('give --duration or --backfill, not both')
    const log = createLogger('simulate', s.logLevel)
    if (s.buffer === 'memory') {
      if (s.backfill !== undefined) throw new Error('--buffer memory runs live only: give --duration, not --backfill')
      const ids = simulatedIds(s)
      const tokens = s.api ? await provisionDevices({ api: s.api, token: s.adminToken }, ids) : undefined
      const report = await runFleet({ ids, hub: s.hub, token: s.token, tokens, series: s.series, intervalMs: s.interval, version: packageVersion(), durationMs: s.duration ?? s.interval, log: (msg) => log('info', msg) })
      process.stdout.write(s.json ? JSON.stringify(report) + '\n' : formatFleetReport(report))
      return
    }
    const dir = s.data ?? mkdtempSync(join(tmpdir(), 'outpost-sim-'))
    try {
      // A secured hub wants a token per device: provision (or rotate) each one through the API first.
      const tokens = s.api ? await provisionDevices({ api: s.api, token: s.adminToken }, simulatedIds(s)) : undefined
      const report = await simulate({ ...s, tokens, data: dir }, log)
      process.stdout.write(s.json ? JSON.stringify(report) + '\n' : formatReport(report))
    } finally {
      if (!s.data) rmSync(dir, { recursive: true, force: true })
    }
  })
}

function formatFleetReport(r: FleetReport): string {
  return (
    `devices ${r.devices}, series ${r.seriesPerDevice}, all online in ${(r.timeToAllOnlineMs / 1000).toFixed(2)} s; ${r.batches} batches (${r.samples} samples), acked ${r.acked}, unacked ${r.unacked}\n` +
    `publish-to-ack p50 ${r.ackP50Ms.toFixed(1)} ms, p99 ${r.ackP99Ms.toFixed(1)} ms; connects ${r.connects}, banned ${r.banned}; ${r.cpuSeconds.toFixed(2)} CPU s, RSS ${Math.round(r.rssBytes / 2 ** 20)} MiB\n`
  )
}

function formatReport(r: Awaited<ReturnType<typeof simulate>>): string {
  return (
    `devices ${r.devices}, series ${r.seriesPerDevice}, samples ${r.samples} in ${r.batches} batches, ${r.seconds.toFixed(2)} s\n` +
    `acked ${r.ackedBatches}/${r.batches} batches; ${Math.round(r.samplesPerSecond).toLocaleString('en')} samples/s acked; ` +
    `wire ${r.wireBytesPerSample.toFixed(2)} B/sample; ${r.cpuSeconds.toFixed(2)} CPU s\n`
  )
}
