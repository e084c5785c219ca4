import { randomBytes } from 'node:crypto'
import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import type { CommandName, CommandReply, ReplyError } from '../../protocol/commands.js'

/** One command sent to a device and what came of it (docs/agent.md). */
export interface CommandRecord {
  id: string
  device: string
  name: CommandName
  args?: Record<string, unknown>
  by: string
  sentAt: number
  timeoutMs: number
  state: 'pending' | 'ok' | 'error' | 'timeout'
  repliedAt?: number
  result?: Record<string, unknown>
  error?: ReplyError
}

export interface CommandCounters {
  sent: number
  replies: number
  timeouts: number
  /** Replies to a command that had already timed out or been answered, or that the hub never sent. */
  stray: number
}

/** Keeps commands and their outcomes (sublevel `commands`, key `{device}/{id}`) and waits for replies. */
export class CommandDesk {
  readonly counters: CommandCounters = { sent: 0, replies: 0, timeouts: 0, stray: 0 }
  private readonly table
  private readonly waiting = new Map<string, { record: CommandRecord; timer: NodeJS.Timeout; done: (r: CommandRecord) => void }>()

  constructor(db: Database, private readonly clock: () => number) {
    this.table = table<'commands', CommandRecord>(db, 'commands')
  }

  /** Records a new command and resolves with its outcome: the reply, or `timeout` after `timeoutMs`. */
  async begin(device: string, name: CommandName, args: Record<string, unknown> | undefined, timeoutMs: number, by: string, send: (record: CommandRecord) => Promise<void>): Promise<CommandRecord> {
    const record: CommandRecord = { id: randomBytes(8).toString('hex'), device, name, by, sentAt: this.clock(), timeoutMs, state: 'pending', ...(args ? { args } : {}) }
    await this.table.put(key(device, record.id), record)
    const outcome = new Promise<CommandRecord>((done) => {
      const timer = setTimeout(() => void this.finish(device, record.id, { state: 'timeout' }), timeoutMs)
      this.waiting.set(key(device, record.id), { record, timer, done })
    })
    this.counters.sent++
    await send(record)
    return outcome
  }

  async get(device: string, id: string): Promise<CommandRecord | undefined> {
    return this.table.get(key(device, id))
  }

  /** The device's commands, newest first. */
  async list(device: string, limit: number): Promise<CommandRecord[]> {
    const out: CommandRecord[] = []
    for await (const record of this.table.values({ gte: `${device}/`, lt: `${device}/\xff` })) out.push(record)
    return out.sort((a, b) => b.sentAt - a.sentAt).slice(0, limit)
  }

  /** A reply from `device`; the first one for a pending command settles it, any other is counted as stray. */
  async onReply(device: string, reply: CommandReply): Promise<void> {
    if (!this.waiting.has(key(device, reply.id))) {
      this.counters.stray++
      return
    }
    this.counters.replies++
    await this.finish(device, reply.id, reply.ok ? { state: 'ok', result: reply.result ?? {} } : { state: 'error', error: reply.error })
  }

  /** Pending commands end as timeouts when the hub stops. */
  async close(): Promise<void> {
    await Promise.all([...this.waiting.values()].map((w) => this.finish(w.record.device, w.record.id, { state: 'timeout' })))
  }

  private async finish(device: string, id: string, outcome: Partial<CommandRecord>): Promise<void> {
    const waiter = this.waiting.get(key(device, id))
    if (!waiter) return
    this.waiting.delete(key(device, id))
    clearTimeout(waiter.timer)
    if (outcome.state === 'timeout') this.counters.timeouts++
    const record: CommandRecord = { ...waiter.record, ...outcome, repliedAt: outcome.state === 'timeout' ? undefined : this.clock() }
    if (record.repliedAt === undefined) delete record.repliedAt
    await this.table.put(key(device, id), record).catch(() => {})
    waiter.done(record)
  }
}

const key = (device: string, id: string) => `${device}/${id}`
