// What a hub of a cluster holds in PostgreSQL besides the leader lock (docs/cluster.md, "Caches over a shared store"),
// as session advisory locks on one dedicated connection:
// - a slot (1–255): series ids and head row numbers are allocated inside it, so two hubs never make the same one;
// - each device it writes for: one hub at a time writes a device's batches, and the hub that takes a device over
//   reads its dedup marks and series from the store first (the previous hub's caches of it are not trusted).
// The server drops every lock with the session (a killed hub), so a device moves at once to the hub it reconnects to.
import pg from 'pg'

type Log = (level: string, msg: string, extra?: Record<string, unknown>) => void

/** Lock space of the slots (two-int advisory locks, apart from the one-bigint device and leader locks). */
const SLOT_CLASS = 0x4f555453 // 'OUTS'
export const MAX_SLOT = 255

export interface ClaimsOptions {
  url: string
  log: Log
  /** This hub takes a device over: reload what it caches of it (before its first batch is written here). */
  onTaken: (device: string) => Promise<void>
  /** Before a device is let go: its writes here are done and its record flushed. */
  beforeRelease: (device: string) => Promise<void>
  /** A device another hub still writes for is waited for this long, then its batch is not stored nor acked (30 s). */
  waitMs?: number
}

export class DeviceClaims {
  private client?: pg.Client
  private connecting?: Promise<pg.Client>
  private slotNo = 0
  private readonly owned = new Set<string>()
  private readonly taking = new Map<string, Promise<void>>()
  /** Devices whose release is under way, by a token a newer take or release replaces. */
  private readonly releasing = new Map<string, symbol>()
  private stopped = false
  private failed?: Error

  constructor(private readonly options: ClaimsOptions) {}

  /** This hub's slot, known after start(). */
  get slot(): number {
    return this.slotNo
  }

  /** Connects and takes the first free slot. */
  async start(): Promise<void> {
    this.stopped = false
    await this.connection()
  }

  async stop(): Promise<void> {
    this.stopped = true
    const client = this.client
    this.client = undefined
    this.owned.clear()
    await client?.end().catch(() => {})
  }

  /** Resolves once this hub writes for `device`; throws when another hub keeps it past waitMs (then: no ack). */
  take(device: string): Promise<void> {
    this.releasing.delete(device)
    if (this.owned.has(device)) return Promise.resolve()
    let taking = this.taking.get(device)
    if (!taking) {
      taking = this.takeNow(device).finally(() => this.taking.delete(device))
      this.taking.set(device, taking)
    }
    return taking
  }

  /** The device left this hub: once its writes here are done, another hub may take it. */
  release(device: string): void {
    // A take under way (the device left while its first batch waited for the lock) is let go once it is done:
    // otherwise this hub would keep a device that never comes back, and the hub it moved to could not write for it.
    const taking = this.taking.get(device)
    if (!this.owned.has(device) && !taking) return
    const token = Symbol(device)
    this.releasing.set(device, token)
    void (async () => {
      await taking?.catch(() => {})
      await this.options.beforeRelease(device)
      // Taken again meanwhile (it reconnected here), or the connection and its locks are gone.
      if (this.releasing.get(device) !== token || !this.owned.has(device) || !this.client) return
      this.releasing.delete(device)
      this.owned.delete(device)
      await this.client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [device])
    })().catch((err) => this.options.log('warning', 'cluster: releasing a device failed', { device, error: String(err) }))
  }

  private async takeNow(device: string): Promise<void> {
    const deadline = Date.now() + (this.options.waitMs ?? 30_000)
    for (let waited = false; ; waited = true) {
      const client = await this.connection()
      const { rows } = await client.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [device])
      if (rows[0].ok) {
        if (waited) this.options.log('info', 'cluster: device taken over from another hub', { device })
        await this.options.onTaken(device)
        if (this.client === client) this.owned.add(device)
        return
      }
      if (Date.now() > deadline) throw new Error(`device ${device} is still written by another hub`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** The claims connection, (re)made on demand; a new session takes back the same slot or fails for good. */
  private connection(): Promise<pg.Client> {
    if (this.failed) return Promise.reject(this.failed)
    if (this.stopped) return Promise.reject(new Error('hub stopping'))
    if (this.client) return Promise.resolve(this.client)
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined))
    return this.connecting
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'outpost-claims', connectionTimeoutMillis: 5_000, keepAlive: true })
    const lost = () => {
      if (this.client !== client) return
      // Every device and the slot were released with the session: take them again before writing.
      this.client = undefined
      this.owned.clear()
      this.options.log('warning', 'cluster: claims connection lost; devices are taken again before their next write')
    }
    client.on('error', lost)
    client.on('end', lost)
    await client.connect()
    try {
      if (this.slotNo === 0) {
        for (let slot = 1; slot <= MAX_SLOT && this.slotNo === 0; slot++) {
          const { rows } = await client.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [SLOT_CLASS, slot])
          if (rows[0].ok) this.slotNo = slot
        }
        if (this.slotNo === 0) throw new Error(`cluster: all ${MAX_SLOT} hub slots are taken`)
        this.options.log('info', 'cluster: hub slot taken', { slot: this.slotNo })
      } else {
        const { rows } = await client.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [SLOT_CLASS, this.slotNo])
        if (!rows[0].ok) {
          // Another hub took our slot while we were away: ids it makes could clash with ours. Write nothing more.
          this.failed = new Error(`cluster: slot ${this.slotNo} was taken by another hub while this one was disconnected; restart this hub`)
          this.options.log('error', this.failed.message)
          throw this.failed
        }
      }
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    this.client = client
    return client
  }
}
