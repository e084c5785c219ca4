// An explicit snapshot of the PostgreSQL store: a READ ONLY REPEATABLE READ transaction on a pooled connection.
// `db.snapshot()` is synchronous while opening the transaction is not, so the store's writer waits until every
// snapshot requested so far is established before it starts its next transaction (level.ts): a write issued after
// the snapshot was taken is never in it, as with LevelDB. Reads given the snapshot run on its connection.
import { AbstractSnapshot } from 'abstract-level'
import type pg from 'pg'

export class PgSnapshot extends AbstractSnapshot {
  readonly ready: Promise<pg.PoolClient>

  constructor(options: any, pool: pg.Pool) {
    // @ts-expect-error abstract-level 3.1 takes { owner } (the database that closes it); its .d.ts says no argument
    super(options)
    this.ready = (async () => {
      const client = await pool.connect()
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
        await client.query('SELECT 1') // the snapshot is taken by the transaction's first statement
      } catch (err) {
        client.release(err as Error)
        throw err
      }
      return client
    })()
  }

  private tail: Promise<unknown> = Promise.resolve()

  /** Runs `fn` after every read issued on this snapshot before it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }

  async _close(): Promise<void> {
    const client = await this.ready.catch(() => undefined)
    if (!client) return
    try {
      await client.query('COMMIT')
      client.release()
    } catch (err) {
      client.release(err as Error)
    }
  }
}
