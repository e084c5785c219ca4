import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import type { ConfigReply, ReplyError } from '../../protocol/commands.js'

/** A device's remote configuration as the hub sees it (docs/agent.md): what it asked for and what the agent runs. */
export interface DeviceConfigRecord {
  device: string
  desired?: { version: number; config: Record<string, unknown>; at: number; by: string; selector?: string }
  applied?: { version: number; at: number }
  /** The agent's last refusal or rollback. */
  error?: ReplyError & { version: number; at: number }
  /** Keys the agent's local flags or YAML pin (not taken from the remote config). */
  ignored?: string[]
}

/** Desired and applied configuration versions per device, in the hub's LevelDB (sublevel `agent-configs`). */
export class DeviceConfigStore {
  private readonly table
  private readonly records = new Map<string, DeviceConfigRecord>()

  constructor(db: Database, private readonly clock: () => number) {
    this.table = table<'agent-configs', DeviceConfigRecord>(db, 'agent-configs')
  }

  async open(): Promise<void> {
    for await (const [id, record] of this.table.iterator()) this.records.set(id, record)
  }

  get(device: string): DeviceConfigRecord | undefined {
    return this.records.get(device)
  }

  all(): DeviceConfigRecord[] {
    return [...this.records.values()]
  }

  /** Stores the next version for `device`: one more than any it was given before. */
  async setDesired(device: string, config: Record<string, unknown>, by: string, selector?: string): Promise<DeviceConfigRecord> {
    const prev = this.records.get(device) ?? { device }
    const version = Math.max(prev.desired?.version ?? 0, prev.applied?.version ?? 0) + 1
    const record: DeviceConfigRecord = { ...prev, desired: { version, config, at: this.clock(), by, ...(selector ? { selector } : {}) } }
    await this.write(record)
    return record
  }

  /** The agent's reply to a configuration: its applied version, and the error when it refused or rolled back. */
  async onReply(device: string, reply: ConfigReply): Promise<void> {
    const prev = this.records.get(device)
    if (!prev) return
    const now = this.clock()
    const record: DeviceConfigRecord = { ...prev }
    if (reply.applied !== undefined) record.applied = { version: reply.applied, at: now }
    if (reply.ok) {
      if (record.error && record.error.version <= reply.version) delete record.error
      if (reply.ignored) record.ignored = reply.ignored
      else delete record.ignored
    } else if (reply.error) record.error = { ...reply.error, version: reply.version, at: now }
    await this.write(record)
  }

  private async write(record: DeviceConfigRecord): Promise<void> {
    this.records.set(record.device, record)
    await this.table.put(record.device, record)
  }
}
