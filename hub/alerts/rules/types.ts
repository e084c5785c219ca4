import type { z } from 'zod'
import type { Plugin } from '../../../kit/plugin.js'
import type { DeviceRegistry } from '../../devices.js'
import type { MetricStore } from '../../metrics/store/types.js'
import type { Observation } from '../types.js'
import type { BatchView } from './batch-view.js'
import type { WindowRegistry } from './shared-windows.js'

export interface EvalContext {
  devices: DeviceRegistry
  store: MetricStore
  clock: () => number
  /** Hub clock at engine start; presence is unknown until devices send a birth or this grace passes. */
  startedAt: number
  startupGraceMs: number
  /** Sample windows shared by threshold rules selecting the same series. */
  windows: WindowRegistry
  /**
   * Whether the rule has a pending or firing alert for the group. A calm observation of a group with none changes
   * nothing, so an evaluator may count it with `calm` instead of returning it (the per-sample fast path).
   */
  hasOpen(rule: string, key: string): boolean
  calm(n: number): void
  /** SLO burn rates for `slo_burn` rules (absent: those rules observe nothing). */
  slos?: SloBurnSource
  /** Anomaly detection (hub/anomaly/): `anomaly` rules register the series they need scored. */
  anomaly?: { select(sel: { metric: string; device: string; match: Record<string, string> }): () => void }
}

/** The part of a batch a rule evaluates: samples of one metric name, logs, spans or health results. */
export type BatchInput = { metric: string } | 'logs' | 'spans' | 'health'

/** One rule's evaluation state. Each hook returns the observations it made; the engine turns them into states. */
export interface RuleEvaluator {
  /** What onBatch reads, so the engine visits the rule only for batches carrying it; absent: every batch. */
  reads?: BatchInput
  init?(): Promise<void>
  onBatch?(view: BatchView): Observation[]
  onStatus?(device: string, online: boolean, at: number): Observation[]
  /** The periodic pass (absent, offline, decaying windows), at hub time `now`. */
  onTick?(now: number): Observation[] | Promise<Observation[]>
  /** The rule was removed or replaced: let go of shared state. */
  dispose?(): void
}

/**
 * A rule kind (DESIGN §1, §10): its `options` schema is the rule's JSON form (it must have `kind: z.literal(name)`),
 * and `create` builds the rule's evaluator. Kinds live in rules/<kind>/ and are listed in rules/registry.ts.
 */
export type RuleKindPlugin<Schema extends z.ZodType = z.ZodType> = Plugin<Schema, EvalContext, RuleEvaluator>

/** Burn rates of an SLO, as the SLO service computes them (hub/slo/status.ts). */
export interface SloBurnSource {
  /**
   * The burn rate (error rate ÷ the error rate the objective allows; null without events) and the event count of SLO
   * `slo` over each window (ms) ending at `now`; undefined when there is no such SLO.
   */
  burnRates(slo: string, windowsMs: number[], now: number): Promise<Map<number, { burnRate: number | null; total: number }> | undefined>
}
