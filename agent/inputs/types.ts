// DESIGN §1: agent inputs are plugins (kit/plugin.ts) with one explicit registry (./registry.ts). Unlike collectors,
// which the agent polls on its interval, an input runs on its own schedule and hands data to the agent when it has
// some: a configured input (tail, scrape) runs a loop; a listener input (JSON ingest, OTLP) serves routes.
import type { Hono } from 'hono'
import type * as z from 'zod'
import type { Logger } from '../../kit/log.js'
import type { Plugin } from '../../kit/plugin.js'
import type { BatchBody } from '../split-body.js'
import type { Telemetry } from '../telemetry.js'
import type { InputCounters } from './counters.js'

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
  log: Logger
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

/** What the agent hands a listener input when its local listener starts (DESIGN §9). */
export interface ListenerContext {
  /** Validates and durably buffers a batch body (Agent.accept); resolves only once it is on disk. */
  accept: (body: BatchBody) => Promise<unknown>
  /** The agent's self-metrics table: an input declares its counters there (on `/metrics` and shipped). */
  telemetry: Telemetry
  /** Sent as `Retry-After` when the buffer is full. */
  retryAfterSeconds: number
  log: Logger
}

/** An input served on the agent's local listener: it mounts its routes when the listener starts. */
export interface ListenerInput {
  readonly name: string
  mount(app: Hono, ctx: ListenerContext): void
}

/** What building an input needs besides its options: nothing yet; resources come at start. */
export type InputCreateContext = Record<string, never>

/**
 * A kind of input. `section: 'list'`: each entry of the YAML list named after the plugin (`logs:`, `scrape:`) is
 * one input. `section: 'listener'`: one instance serves routes whenever the agent runs its local listener.
 */
export type InputPlugin<Schema extends z.ZodType = z.ZodType> =
  | (Plugin<Schema, InputCreateContext, Input> & { section: 'list' })
  | (Plugin<Schema, InputCreateContext, ListenerInput> & { section: 'listener' })
