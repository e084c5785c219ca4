import type { Database } from '../../storage/db.js'
import { table } from '../../storage/keyspace.js'

export interface QueuedPost {
  body: unknown
  createdAt: number
  attempts: number
  nextAt: number
}

/**
 * A bounded FIFO of notifier messages (webhook posts, queued deliveries) in the hub's LevelDB, so undelivered ones
 * survive a restart. When full, the oldest is dropped and counted (the newest state matters most).
 */
export class PersistedQueue {
  private readonly sub
  private keys: string[] = []
  private seq = 0
  dropped = 0

  constructor(
    db: Database,
    name: string,
    private readonly maxItems: number,
  ) {
    this.sub = table<'webhook-queue-*', QueuedPost>(db, ['webhook-queue-*', name])
  }

  async open(): Promise<void> {
    this.keys = await this.sub.keys().all()
    const last = this.keys.at(-1)
    this.seq = last ? Number(last) + 1 : 0
  }

  get size(): number {
    return this.keys.length
  }

  async push(body: unknown, now: number): Promise<void> {
    const key = String(this.seq++).padStart(15, '0')
    const ops: any[] = [{ type: 'put', key, value: { body, createdAt: now, attempts: 0, nextAt: now } }]
    while (this.keys.length + 1 > this.maxItems) {
      ops.push({ type: 'del', key: this.keys.shift()! })
      this.dropped++
    }
    await this.sub.batch(ops)
    this.keys.push(key)
  }

  async head(): Promise<{ key: string; post: QueuedPost } | undefined> {
    const key = this.keys[0]
    if (key === undefined) return undefined
    return { key, post: await this.sub.get(key) as QueuedPost }
  }

  async update(key: string, post: QueuedPost): Promise<void> {
    if (this.keys[0] === key) await this.sub.put(key, post)
  }

  async remove(key: string): Promise<void> {
    const i = this.keys.indexOf(key)
    if (i < 0) return
    this.keys.splice(i, 1)
    await this.sub.del(key)
  }
}
