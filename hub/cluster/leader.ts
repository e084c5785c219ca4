// One leader among the hubs sharing a PostgreSQL store (DESIGN §12, docs/cluster.md "One leader"): the hub holding a
// session advisory lock on a dedicated connection runs the singletons (alert timers and notifications, compaction,
// retention, reports). Each new leader increments a fencing term in the transaction that takes leadership; every
// leader-only write checks it in its own transaction, so a leader that lost the lock without knowing it yet (a
// stalled event loop, a partition) cannot write after its successor started.
import { AsyncLocalStorage } from 'node:async_hooks'
import pg from 'pg'

type Log = (level: string, msg: string, extra?: Record<string, unknown>) => void

/** Who runs the singletons. `term` is undefined for a single hub (nothing to fence). */
export interface Leadership {
  /** False for a hub alone: it leads from the start and nothing is fenced. */
  readonly clustered: boolean
  readonly leader: boolean
  readonly term: number | undefined
  /** Called with `true` when this hub becomes the leader and `false` the moment it stops being one. */
  onChange(listener: (leader: boolean) => void): void
  /** Runs leader-only work with the current term as the fence of its writes; refuses when not the leader. */
  fenced<T>(work: () => Promise<T>): Promise<T>
  /** The term the running leader-only work's writes must carry (read by the store backend), if any. */
  currentFence(): number | undefined
  start(): Promise<void>
  stop(): Promise<void>
}

export class NotLeaderError extends Error {
  constructor() {
    super('not the leader: leader-only work refused')
  }
}

/** A write carried a term that is no longer the leader's: a newer leader took over. */
export class FencedError extends Error {
  constructor(readonly term: number, readonly current: number | undefined) {
    super(`fenced: leader-only write of term ${term} refused, the current term is ${current ?? 'none'}`)
  }
}

/** A hub alone (LevelDB, or no cluster): always the leader, nothing to fence. */
export function soleLeader(): Leadership {
  return {
    clustered: false,
    leader: true,
    term: undefined,
    onChange: () => {},
    fenced: (work) => work(),
    currentFence: () => undefined,
    start: async () => {},
    stop: async () => {},
  }
}

/** `SELECT … FOR SHARE`: a successor's increment waits for this transaction, so the check holds until commit. */
export const FENCE_SQL = 'SELECT term FROM outpost_leader FOR SHARE'

type Query = (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }>

/** In the transaction of a leader-only write: throws FencedError unless `term` is still the current one. */
export async function checkFence(query: Query, term: number): Promise<void> {
  const { rows } = await query(FENCE_SQL)
  const current = rows[0] === undefined ? undefined : Number(rows[0].term)
  if (current !== term) throw new FencedError(term, current)
}

export interface PostgresLeaderOptions {
  url: string
  log: Log
  /** Key of the advisory lock (default: a constant for "outpost leader"). */
  lockKey?: number
  /** Followers try the lock, and the leader pings its connection, this often (default 1 s). */
  retryMs?: number
  /** A ping or lock query slower than this ends the connection and the leadership (default 3 s). */
  queryTimeoutMs?: number
  /** The server ends a session silent this long, releasing a lost leader's lock (default 6 s; failover ≤ 10 s). */
  idleSessionMs?: number
}

/** 'OUTL' as a 32-bit number: the advisory lock every hub of a store contends for. */
const DEFAULT_LOCK_KEY = 0x4f55544c

/** Leadership through `pg_try_advisory_lock` on a dedicated connection, tried every `retryMs` by followers. */
export class PostgresLeader implements Leadership {
  readonly clustered = true
  leader = false
  term: number | undefined
  private client?: pg.Client
  private timer?: NodeJS.Timeout
  private busy = false
  private stopped = false
  private readonly listeners: Array<(leader: boolean) => void> = []
  private readonly fence = new AsyncLocalStorage<number>()
  private lastError?: string

  constructor(private readonly options: PostgresLeaderOptions) {}

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener)
  }

  async fenced<T>(work: () => Promise<T>): Promise<T> {
    if (!this.leader || this.term === undefined) throw new NotLeaderError()
    return this.fence.run(this.term, work)
  }

  currentFence(): number | undefined {
    return this.fence.getStore()
  }

  /** Tries once at once (a hub that can take the lock starts as the leader), then every retryMs. */
  async start(): Promise<void> {
    this.stopped = false
    await this.step()
    this.timer = setInterval(() => void this.step(), this.options.retryMs ?? 1_000)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    // Wait for a step under way, so the connection is not reopened behind us.
    for (let i = 0; this.busy && i < 100; i++) await new Promise((r) => setTimeout(r, 50))
    this.lose('hub stopping')
  }

  private async step(): Promise<void> {
    if (this.busy || this.stopped) return
    this.busy = true
    try {
      if (!this.client) await this.connect()
      if (this.leader) await this.client!.query('SELECT 1')
      else await this.tryTake()
      this.lastError = undefined
    } catch (err) {
      const message = (err as Error).message
      if (message !== this.lastError) this.options.log('warning', 'leader: lock connection failed; retrying', { error: message })
      this.lastError = message
      this.lose('lock connection failed')
    } finally {
      this.busy = false
    }
  }

  private async connect(): Promise<void> {
    const timeout = this.options.queryTimeoutMs ?? 3_000
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: 'outpost-leader',
      connectionTimeoutMillis: timeout,
      query_timeout: timeout,
      keepAlive: true,
    })
    // The session's end is the lock's end: stop at once, before anything else runs.
    client.on('error', () => this.lose('lock connection lost', client))
    client.on('end', () => this.lose('lock connection closed', client))
    this.client = client
    await client.connect()
    await client.query(`SET idle_session_timeout = ${Math.round(this.options.idleSessionMs ?? 6_000)}`)
  }

  private async tryTake(): Promise<void> {
    const client = this.client!
    const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS ok', [this.options.lockKey ?? DEFAULT_LOCK_KEY])
    if (!rows[0].ok) return
    // Only the lock holder gets here: the table and its one row are made without a race.
    await client.query('BEGIN')
    try {
      await client.query('CREATE TABLE IF NOT EXISTS outpost_leader (term bigint NOT NULL)')
      let result = await client.query('UPDATE outpost_leader SET term = term + 1 RETURNING term')
      if (result.rows.length === 0) result = await client.query('INSERT INTO outpost_leader (term) VALUES (1) RETURNING term')
      await client.query('COMMIT')
      if (this.client !== client) return
      this.term = Number(result.rows[0].term)
      this.leader = true
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
    this.options.log('info', 'leader: this hub is the leader', { term: this.term })
    this.emit(true)
  }

  /** Leadership ends with the connection (the server releases the lock when it sees the session end). */
  private lose(reason: string, from?: pg.Client): void {
    if (from && from !== this.client) return
    const client = this.client
    this.client = undefined
    client?.removeAllListeners('end')
    client?.on('error', () => {})
    client?.end().catch(() => {})
    if (!this.leader) return
    const term = this.term
    this.leader = false
    this.term = undefined
    this.options.log('warning', 'leader: this hub is no longer the leader', { term, reason })
    this.emit(false)
  }

  private emit(leader: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(leader)
      } catch (err) {
        this.options.log('error', 'leader: a listener failed', { error: String(err) })
      }
    }
  }
}
