import type { AgentConfigPatch } from '../agent.js'

/** A remote configuration refused, naming the key at fault (`interval`, `health[0].url`). */
export class RemoteConfigError extends Error {
  constructor(
    readonly field: string | undefined,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Turns a remote configuration into changes for the running agent. The CLI implements it with the same settings
 * schema and plugin registries as the agent's YAML (cli/remote-config.ts), so both are checked alike.
 */
export interface RemoteConfigResolver {
  /**
   * Validates `config` (throws RemoteConfigError naming the field, having changed nothing) and returns the parts
   * whose effective value differs from what runs now. Keys pinned by local flags or YAML keep their local value and
   * are listed in `ignored`. `config` undefined means: back to the local configuration.
   */
  resolve(config: Record<string, unknown> | undefined): { patch: AgentConfigPatch; ignored: string[]; commit: () => void }
}
