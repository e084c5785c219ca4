// The evaluator test kit: one rule kind's evaluator on real parts (LevelDB device registry and metric store in a
// temp dir, batches encoded and decoded by protocol/), driven hook by hook with a clock the test moves.
import { join } from 'node:path'
import { Level } from 'level'
import type { HealthResult, LogRecord, SpanRecord } from '../../../../protocol/batch.js'
import { decodeBatch, encodeBatch } from '../../../../protocol/codec.js'
import { MetricsBuilder } from '../../../../protocol/metrics-builder.js'
import { BatchView, createEvaluator, type EvalContext, type RuleEvaluator } from '../../../../hub/alerts/rules/registry.js'
import { WindowRegistry } from '../../../../hub/alerts/rules/shared-windows.js'
import { parseRule } from '../../../../hub/alerts/rule-schema.js'
import type { Observation } from '../../../../hub/alerts/types.js'
import { DeviceRegistry } from '../../../../hub/devices.js'
import { levelDeviceStores } from '../../../../hub/device-store/level-device-store.js'
import { LevelMetricStore } from '../../../../hub/metrics/store/index.js'
import { tempDir } from '../../../helpers/temp.js'

export const T0 = 1_764_600_000_000

export interface SampleInput {
  name: string
  labels?: Record<string, string>
  value: number
  ts: number
}

export interface BatchInput {
  metrics?: SampleInput[]
  logs?: LogRecord[]
  spans?: SpanRecord[]
  health?: HealthResult[]
}

export interface EvaluatorKit {
  ctx: EvalContext
  devices: DeviceRegistry
  store: LevelMetricStore
  /** Hub time now; `advance` moves it. */
  now(): number
  advance(ms: number): number
  /** Marks (rule, group key) as having an open alert, as the engine would after a firing observation. */
  setOpen(rule: string, key: string, open: boolean): void
  calmed(): number
  /** Parses a rule as the API does and builds its evaluator, running `init`. */
  evaluator(rule: Record<string, unknown>): Promise<RuleEvaluator>
  /** A batch from `device` as the engine hands it to evaluators: encoded, decoded, viewed. */
  view(device: string, input: BatchInput, seq?: number): BatchView
  close(): Promise<void>
}

let seq = 0

export async function evaluatorKit(options: { startupGraceMs?: number } = {}): Promise<EvaluatorKit> {
  const dir = await tempDir('outpost-evaluator-')
  const db = new Level<string, any>(join(dir.dir, 'db'), { valueEncoding: 'json' })
  await db.open()
  let now = T0
  const clock = () => now
  const devices = new DeviceRegistry(levelDeviceStores(db), clock)
  await devices.open()
  const store = new LevelMetricStore(db, { clock })
  await store.open()
  const open = new Set<string>()
  let calm = 0
  const ctx: EvalContext = {
    devices,
    store,
    clock,
    startedAt: now,
    startupGraceMs: options.startupGraceMs ?? 0,
    windows: new WindowRegistry(),
    hasOpen: (rule, key) => open.has(`${rule}\u0000${key}`),
    calm: (n) => (calm += n),
  }
  return {
    ctx,
    devices,
    store,
    now: clock,
    advance: (ms) => (now += ms),
    setOpen: (rule, key, isOpen) => void (isOpen ? open.add(`${rule}\u0000${key}`) : open.delete(`${rule}\u0000${key}`)),
    calmed: () => calm,
    async evaluator(input) {
      const ev = createEvaluator(parseRule(input), ctx)
      await ev.init?.()
      return ev
    },
    view(device, input, s = ++seq) {
      const builder = new MetricsBuilder()
      for (const m of input.metrics ?? []) builder.addRaw(m.name, 'gauge', m.labels ?? {}, m.ts, m.value)
      const bytes = encodeBatch({ v: 1, dev: device, ep: 'ep-kit', seq: s, at: now, m: builder.build(), l: input.logs, s: input.spans, h: input.health })
      return new BatchView(device, decodeBatch(bytes), 0)
    },
    async close() {
      await store.close()
      await db.close()
      await dir.cleanup()
    },
  }
}

/** Observations reduced to what a test compares: group key, value and the two conditions. */
export function brief(observations: Observation[]): Array<Pick<Observation, 'key' | 'value' | 'active' | 'cleared'>> {
  return observations.map(({ key, value, active, cleared }) => ({ key, value, active, cleared }))
}
