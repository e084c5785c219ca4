// Remote agent configuration and commands over `outpost/v1/{id}/cmd` (DESIGN §3, §7; docs/agent.md).
import type { Aedes } from 'aedes'
import type { Database } from '../storage/db.js'
import { decodeCmd, decodeCmdReply, encodeCmd, SMALL_MESSAGE_LIMITS } from '../../protocol/codec.js'
import type { CmdMessage, CommandName } from '../../protocol/commands.js'
import { DecodeError } from '../../protocol/errors.js'
import { topics } from '../../protocol/topics.js'
import { CommandDesk, type CommandRecord } from './command-desk.js'
import { DeviceConfigStore, type DeviceConfigRecord } from './config-store.js'
import { DeviceLabelStore } from './device-labels.js'

export class RemoteError extends Error {
  constructor(
    readonly status: 400 | 404 | 413,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface RemoteServiceDeps {
  db: Database
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

export class RemoteService {
  readonly configs: DeviceConfigStore
  readonly commands: CommandDesk
  readonly labels: DeviceLabelStore
  /** Replies that failed to decode. */
  badReplies = 0
  private broker?: Aedes

  constructor(private readonly deps: RemoteServiceDeps) {
    this.configs = new DeviceConfigStore(deps.db, deps.clock)
    this.commands = new CommandDesk(deps.db, deps.clock)
    this.labels = new DeviceLabelStore(deps.db)
  }

  async open(): Promise<void> {
    await this.configs.open()
    await this.labels.open()
  }

  /**
   * Attaches the broker and publishes every desired configuration again: aedes keeps retained messages in memory,
   * so after a hub restart they exist only in this store.
   */
  async attach(broker: Aedes): Promise<void> {
    this.broker = broker
    for (const record of this.configs.all()) if (record.desired) await this.publishConfig(record)
  }

  async close(): Promise<void> {
    await this.commands.close()
  }

  /** Stores the next configuration version for each device and publishes it retained on the device's cmd topic. */
  async putConfig(devices: string[], config: Record<string, unknown>, by: string, selector?: string): Promise<DeviceConfigRecord[]> {
    // The same checks the agent's decoder applies (keys, nesting, size), so nothing is stored that cannot be sent.
    this.check({ t: 'config', id: 'cfg-1', version: 1, config })
    const out: DeviceConfigRecord[] = []
    for (const device of devices) {
      const record = await this.configs.setDesired(device, config, by, selector)
      await this.publishConfig(record)
      out.push(record)
    }
    return out
  }

  /** Sends a command and resolves with its reply or its timeout, both recorded. */
  sendCommand(device: string, name: CommandName, args: Record<string, unknown> | undefined, timeoutMs: number, by: string): Promise<CommandRecord> {
    const exp = this.deps.clock() + timeoutMs
    return this.commands.begin(device, name, args, timeoutMs, by, async (record) => {
      await this.publish(topics.cmd(device), this.check({ t: 'command', id: record.id, name, ...(args ? { args } : {}), exp }), false)
    })
  }

  /** A payload on `outpost/v1/{device}/cmd/reply` (the ACL lets only that device publish there). */
  async onReply(device: string, payload: Uint8Array): Promise<void> {
    let reply
    try {
      reply = decodeCmdReply(payload)
    } catch (err) {
      this.badReplies++
      this.deps.log('warning', 'bad cmd reply', { device, error: (err as Error).message })
      return
    }
    if (reply.t === 'config') await this.configs.onReply(device, reply)
    else await this.commands.onReply(device, reply)
  }

  private async publishConfig(record: DeviceConfigRecord): Promise<void> {
    const { version, config } = record.desired!
    await this.publish(topics.cmd(record.device), encodeCmd({ t: 'config', id: `cfg-${version}`, version, config }), true)
  }

  private check(message: CmdMessage): Uint8Array {
    let bytes: Uint8Array
    try {
      bytes = encodeCmd(message)
      decodeCmd(bytes) // the agent's size and depth limits, checked here so the hub never stores what it cannot send
    } catch (err) {
      if (err instanceof DecodeError) throw new RemoteError(400, 'invalid', err.message)
      throw err
    }
    if (bytes.length > SMALL_MESSAGE_LIMITS.maxBytes) throw new RemoteError(413, 'too_large', `encoded message is ${bytes.length} bytes; at most ${SMALL_MESSAGE_LIMITS.maxBytes}`)
    return bytes
  }

  private publish(topic: string, payload: Uint8Array, retain: boolean): Promise<void> {
    const broker = this.broker
    if (!broker) return Promise.reject(new Error('broker not started'))
    return new Promise((resolve, reject) =>
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (err) => (err ? reject(err) : resolve())),
    )
  }
}
