// Remote configuration and commands for one agent over `outpost/v1/{id}/cmd` (DESIGN §3, docs/agent.md).
import { decodeCmd, encodeCmdReply } from '../../protocol/codec.js'
import type { CmdReply, CommandMessage, ConfigMessage, ConfigReply, ReplyError } from '../../protocol/commands.js'
import type { Agent } from '../agent.js'
import { COMMANDS, CommandError, type CommandHost } from './commands.js'
import { RemoteStateFile, type RemoteState, type StoredConfig } from './state-file.js'
import { RemoteConfigError, type RemoteConfigResolver } from './types.js'

export interface RemoteControlOptions {
  dataDir: string
  resolver: RemoteConfigResolver
  /** A new configuration is rolled back unless the uplink works (connects and carries the reply) within this. */
  rollbackAfterMs: number
  version: string
  restart?: () => void
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

/** Command ids remembered so a redelivered command is neither run nor answered twice. */
const REMEMBERED_IDS = 512

export interface RemoteCounters {
  configsApplied: number
  configsRefused: number
  rollbacks: number
  commands: number
  duplicates: number
  badMessages: number
}

export class RemoteControl {
  readonly counters: RemoteCounters = { configsApplied: 0, configsRefused: 0, rollbacks: 0, commands: 0, duplicates: 0, badMessages: 0 }
  private agent?: Agent
  private state: RemoteState = {}
  private readonly file: RemoteStateFile
  private readonly seen = new Set<string>()
  /** Config messages are handled one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(private readonly options: RemoteControlOptions) {
    this.file = new RemoteStateFile(options.dataDir)
  }

  /** The configuration version in force (0: the local one only). */
  get appliedVersion(): number {
    return this.state.applied?.version ?? 0
  }

  /** Loads the kept configuration and applies it to the agent before it starts; an unconfirmed one is re-checked. */
  async restore(agent: Agent): Promise<void> {
    this.agent = agent
    this.state = await this.file.load()
    if (!this.state.applied) return
    try {
      const { patch, commit } = this.options.resolver.resolve(this.state.applied.config)
      await agent.reconfigure(patch)
      commit()
    } catch (err) {
      // A kept config this build no longer accepts: run on the local config and say so.
      this.options.log('error', 'kept remote configuration refused; using the local one', { version: this.state.applied.version, error: (err as Error).message })
      this.state = { rejected: { version: this.state.applied.version, error: errorOf(err) } }
      await this.file.save(this.state)
      return
    }
    if (this.state.pending) this.queue = this.queue.then(() => this.confirmOrRollBack(this.state.applied!))
  }

  stop(): Promise<void> {
    this.stopped = true
    return this.queue
  }

  /** A payload on the cmd topic. Never throws: a bad message is logged and counted. */
  handle(payload: Buffer): void {
    let message
    try {
      message = decodeCmd(payload)
    } catch (err) {
      this.counters.badMessages++
      this.options.log('warning', 'bad cmd message from hub', { error: (err as Error).message })
      return
    }
    if (message.t === 'config') this.queue = this.queue.then(() => this.onConfig(message)).catch((err) => this.options.log('error', 'remote config failed', { error: String(err) }))
    else void this.onCommand(message)
  }

  private async onConfig(message: ConfigMessage): Promise<void> {
    if (!this.agent || this.stopped) return
    const applied = this.appliedVersion
    const reply = (r: Omit<ConfigReply, 't' | 'id' | 'version'>) => this.send({ t: 'config', id: message.id, version: message.version, ...r })
    if (message.version <= applied) return reply({ ok: message.version === applied, applied })
    if (this.state.rejected?.version === message.version) return reply({ ok: false, applied, error: this.state.rejected.error })
    let resolved
    try {
      resolved = this.options.resolver.resolve(message.config)
    } catch (err) {
      this.counters.configsRefused++
      this.state.rejected = { version: message.version, error: errorOf(err) }
      await this.file.save(this.state)
      this.options.log('warning', 'remote configuration refused', { version: message.version, error: (err as Error).message })
      return reply({ ok: false, applied, error: this.state.rejected.error })
    }
    const previous = this.state.applied
    this.state = { applied: { version: message.version, config: message.config }, previous, pending: true }
    await this.file.save(this.state)
    await this.agent.reconfigure(resolved.patch)
    resolved.commit()
    this.counters.configsApplied++
    this.options.log('info', 'remote configuration applied', { version: message.version, ignored: resolved.ignored })
    const ok: CmdReply = { t: 'config', id: message.id, version: message.version, ok: true, applied: message.version }
    if (resolved.ignored.length) ok.ignored = resolved.ignored
    await this.confirmOrRollBack(this.state.applied!, ok)
  }

  /** Waits for the uplink to carry a reply under the new configuration; rolls back if it cannot in time. */
  private async confirmOrRollBack(config: StoredConfig, reply?: CmdReply): Promise<void> {
    const payload = encodeCmdReply(reply ?? { t: 'config', id: `cfg-${config.version}`, version: config.version, ok: true, applied: config.version })
    if (await this.deliverWithin(payload, this.options.rollbackAfterMs)) {
      this.state.pending = false
      await this.file.save(this.state)
      return
    }
    if (this.stopped || this.state.applied?.version !== config.version) return
    this.counters.rollbacks++
    const previous = this.state.previous
    const error = { message: `rolled back: the uplink did not work within ${this.options.rollbackAfterMs} ms of applying version ${config.version}` }
    this.options.log('error', 'remote configuration rolled back', { version: config.version, to: previous?.version ?? 0 })
    const { patch, commit } = this.options.resolver.resolve(previous?.config)
    this.state = { applied: previous, rejected: { version: config.version, error } }
    await this.file.save(this.state)
    await this.agent!.reconfigure(patch)
    commit()
    // Told once the link is back with the old settings.
    void this.deliverWithin(encodeCmdReply({ t: 'config', id: `cfg-${config.version}`, version: config.version, ok: false, applied: previous?.version ?? 0, error }), Infinity)
  }

  /** Publishes `payload` once the uplink is connected; false if that did not happen within `ms`. */
  private async deliverWithin(payload: Uint8Array, ms: number): Promise<boolean> {
    const uplink = this.agent!.uplink
    const deadline = Date.now() + ms
    while (!this.stopped && Date.now() < deadline) {
      if (uplink.connected) {
        try {
          await uplink.reply(payload)
          return true
        } catch {}
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(250, Math.max(0, deadline - Date.now())))
        function done() {
          clearTimeout(timer)
          uplink.off('connected', done)
          resolve()
        }
        uplink.once('connected', done)
      })
    }
    return false
  }

  private async onCommand(message: CommandMessage): Promise<void> {
    if (!this.agent || this.stopped) return
    // DESIGN §3: each command id is answered once, whatever QoS 1 redelivers.
    if (this.seen.has(message.id)) {
      this.counters.duplicates++
      return
    }
    this.seen.add(message.id)
    if (this.seen.size > REMEMBERED_IDS) this.seen.delete(this.seen.values().next().value!)
    this.counters.commands++
    let reply: CmdReply
    if (message.exp !== undefined && Date.now() > message.exp) {
      reply = { t: 'command', id: message.id, ok: false, error: { message: 'expired before it reached the agent' } }
    } else {
      const host: CommandHost = { agent: this.agent, version: this.options.version, restart: this.options.restart }
      try {
        // Through JSON: results are plain data (undefined fields dropped), as the reply's validation wants.
        const result = JSON.parse(JSON.stringify(await COMMANDS[message.name](host, message.args ?? {}))) as Record<string, unknown>
        reply = { t: 'command', id: message.id, ok: true, result }
      } catch (err) {
        reply = { t: 'command', id: message.id, ok: false, error: errorOf(err) }
      }
    }
    await this.send(reply)
    if (message.name === 'restart' && reply.ok) this.options.restart?.()
  }

  private async send(reply: CmdReply): Promise<void> {
    let payload: Uint8Array
    try {
      payload = encodeCmdReply(reply)
    } catch (err) {
      // Never leave the hub waiting: a result that cannot travel becomes an error reply.
      const error = { message: `reply could not be encoded: ${(err as Error).message}` }
      payload = encodeCmdReply(reply.t === 'config' ? { ...reply, ok: false, error } : { t: 'command', id: reply.id, ok: false, error })
    }
    try {
      await this.agent!.uplink.reply(payload)
    } catch (err) {
      this.options.log('warning', 'cmd reply not sent', { id: reply.id, error: (err as Error).message })
    }
  }
}

function errorOf(err: unknown): ReplyError {
  if (err instanceof RemoteConfigError || err instanceof CommandError) return err.field ? { field: err.field, message: err.message } : { message: err.message }
  return { message: err instanceof Error ? err.message : String(err) }
}
