import { open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'

/** One remote configuration as the hub sent it. */
export interface StoredConfig {
  version: number
  config: Record<string, unknown>
}

/** What the agent keeps on disk about remote configuration (docs/agent.md), so a restart keeps the applied one. */
export interface RemoteState {
  applied?: StoredConfig
  /** The configuration before `applied`, for a rollback while `applied` is unconfirmed. */
  previous?: StoredConfig
  /** `applied` has not yet been confirmed by a working uplink. */
  pending?: boolean
  /** The last version refused or rolled back, so its retained copy is not applied again on every connect. */
  rejected?: { version: number; error: { field?: string; message: string } }
}

/** `remote-config.json` in the agent's data directory, replaced atomically (write, fsync, rename). */
export class RemoteStateFile {
  readonly path: string

  constructor(dir: string) {
    this.path = join(dir, 'remote-config.json')
  }

  async load(): Promise<RemoteState> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch {
      return {}
    }
    try {
      const state = JSON.parse(text) as RemoteState
      return state && typeof state === 'object' ? state : {}
    } catch {
      // A torn write cannot happen (rename is atomic); anything else unreadable is treated as no remote config.
      return {}
    }
  }

  async save(state: RemoteState): Promise<void> {
    const tmp = `${this.path}.tmp`
    const file = await open(tmp, 'w', 0o600)
    try {
      await file.writeFile(JSON.stringify(state))
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(tmp, this.path)
  }
}
