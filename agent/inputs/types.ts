// DESIGN §1: agent inputs are plugins with one explicit registry (./registry.ts). Unlike collectors, which the agent
// polls on its interval, an input runs on its own schedule and hands data to the agent when it has some.
import type { BatchBody } from '../split-body.js'
import type { InputCounters } from './counters.js'

export type InputLogLevel = 'debug' | 'info' | 'warning' | 'error'

/** What the agent hands a running input: dependencies come in here, never from module-level state. */
export interface InputContext {
  /**
   * Validates and durably buffers `body`, all or nothing (Agent.accept). `checkpoints` are written in the same atomic
   * write, so an input's position moves exactly when the data it covers is kept. Rejects when nothing was kept.
   */
  accept(body: BatchBody, options?: { checkpoints?: Record<string, string> }): Promise<unknown>
  /** The checkpoint last committed under `key`, if any. */
  getCheckpoint(key: string): Promise<string | undefined>
  counters: InputCounters
  /** Wall clock for timestamps, ms. */
  clock: () => number
  log: (level: InputLogLevel, msg: string, extra?: Record<string, unknown>) => void
}

/**
 * A configured input. Contract (the agent never crashes because of an input): `start` begins the work and resolves
 * once the input has picked up its saved position; failures after that are logged and retried, never thrown.
 * `stop` resolves once no call to `accept` is running or will start, so the agent may close its buffer.
 */
export interface Input {
  readonly name: string
  start(ctx: InputContext): Promise<void>
  stop(): Promise<void>
}
