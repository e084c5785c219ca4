import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { z } from 'zod'
import { addSettingsToCommand, resolveSettings, type Setting } from '../config.js'
import { agentSettings, type AgentSettings } from '../settings.js'
import { duration, positiveInt } from '../value-types.js'
import { createLogger } from '../log.js'
import { simulate, type SimulateOptions } from '../simulate.js'

const BACKFILL_BATCH_SAMPLES = 90_000

const simulateSettings: Setting[] = [
  { path: 'devices', description: 'number of simulated devices', schema: positiveInt, default: 1 },
  { path: 'series', description: 'series per device', schema: positiveInt, default: 10 },
  { path: 'duration', description: 'run live for this long', schema: duration },
  { path: 'backfill', description: 'send this much history as fast as the hub accepts it, then exit', schema: duration },
  { path: 'idPrefix', description: 'device id prefix', schema: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/), default: 'sim-' },
  { path: 'json', description: 'print the final report as JSON', schema: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]), default: false },
  ...agentSettings.filter((s) => ['hub', 'token', 'interval', 'uplink.inflight', 'logLevel'].includes(s.path)),
  // A backfill is all backlog: batches as large as the hub's 1 MiB payload allows (~10 B/sample), split further
  // by encoded size when a batch would not fit (agent/split-body.ts).
  { path: 'batch.maxSamples', description: 'samples per batch before it is sealed', schema: positiveInt, default: BACKFILL_BATCH_SAMPLES },
  { path: 'data', description: 'directory for the simulated agents\' buffers (default: a temp dir, removed after)', schema: z.string().min(1) },
]

export function simulateCommand(): Command {
  const cmd = new Command('simulate').description('run N simulated agents (the real agent code) with deterministic series')
  addSettingsToCommand(cmd, simulateSettings)
  return cmd.action(async (flags: Record<string, unknown>) => {
    const s = resolveSettings<SimulateOptions & Pick<AgentSettings, 'logLevel'> & { data?: string; json: boolean }>(simulateSettings, flags)
    if (s.duration !== undefined && s.backfill !== undefined) throw new Error('give --duration or --backfill, not both')
    const log = createLogger('simulate', s.logLevel)
    const dir = s.data ?? mkdtempSync(join(tmpdir(), 'outpost-sim-'))
    try {
      const report = await simulate({ ...s, data: dir }, log)
      process.stdout.write(s.json ? JSON.stringify(report) + '\n' : formatReport(report))
    } finally {
      if (!s.data) rmSync(dir, { recursive: true, force: true })
    }
  })
}

function formatReport(r: Awaited<ReturnType<typeof simulate>>): string {
  return (
    `devices ${r.devices}, series ${r.seriesPerDevice}, samples ${r.samples} in ${r.batches} batches, ${r.seconds.toFixed(2)} s\n` +
    `acked ${r.ackedBatches}/${r.batches} batches; ${Math.round(r.samplesPerSecond).toLocaleString('en')} samples/s acked; ` +
    `wire ${r.wireBytesPerSample.toFixed(2)} B/sample\n`
  )
}
