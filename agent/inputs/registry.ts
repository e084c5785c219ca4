// DESIGN §1: one explicit registry of agent inputs. Each config section (`logs:`, `scrape:`) is a list whose
// entries become one input each. The local listener's ingest routes are wired by the agent itself.
import { InputOptionsError } from './options.js'
import { ScrapeInput, parseScrapeOptions } from './scrape/index.js'
import { TailInput, parseTailOptions } from './tail/index.js'
import type { Input } from './types.js'

/** The config sections that hold inputs, as they appear in the agent's YAML file. */
export interface InputsConfig {
  logs?: unknown[]
  scrape?: unknown[]
}

interface InputKind {
  /** Checks one entry (no I/O) and builds its input; throws InputOptionsError naming `key`. */
  create(raw: unknown, key: string): Input
}

/** A fresh map of the input kinds shipped with the agent, by config section. */
export function builtinInputs(): Map<keyof InputsConfig, InputKind> {
  return new Map<keyof InputsConfig, InputKind>([
    ['logs', { create: (raw, key) => new TailInput(parseTailOptions(raw, key)) }],
    ['scrape', { create: (raw, key) => new ScrapeInput(parseScrapeOptions(raw, key)) }],
  ])
}

/** Builds the inputs the config lists. Every entry is checked before any is built, so a bad config builds nothing. */
export function createInputs(config: InputsConfig, kinds = builtinInputs()): Input[] {
  const inputs: Input[] = []
  for (const [section, kind] of kinds) {
    const entries = config[section] ?? []
    if (!Array.isArray(entries)) throw new InputOptionsError(section, 'expected a list')
    entries.forEach((raw, k) => inputs.push(kind.create(raw, `${section}[${k}]`)))
  }
  return inputs
}
