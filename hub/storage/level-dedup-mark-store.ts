// The dedup marks in LevelDB: table `m-dedup`, key `device \0 epoch`, value the CBOR of {w, r} (dedup-mark.ts).
import type { Database } from './db.js'
import { decodeMark, encodeMark } from './dedup-mark.js'
import { table } from './keyspace.js'
import type { DedupMark, DedupMarkStore, Stageable } from './types.js'

/** Marks are keyed per (device, epoch); device ids never contain \0 (DESIGN §3), so `device \0` is an exact prefix. */
export function dedupKey(device: string, epoch: string): string {
  return `${device}\x00${epoch}`
}

export class LevelDedupMarkStore implements DedupMarkStore {
  private readonly table

  constructor(db: Database) {
    this.table = table<'m-dedup', Uint8Array>(db, 'm-dedup')
  }

  async get(device: string, epoch: string): Promise<DedupMark | undefined> {
    const bytes = await this.table.get(dedupKey(device, epoch))
    return bytes ? decodeMark(bytes) : undefined
  }

  stage(commit: Stageable, device: string, epoch: string, mark: DedupMark): void {
    commit.stage([{ type: 'put', sublevel: this.table, key: dedupKey(device, epoch), value: encodeMark(mark) }])
  }

  async purgeDevice(device: string): Promise<number> {
    const keys = await this.table.keys({ gte: dedupKey(device, ''), lt: `${device}\x01` }).all()
    if (keys.length > 0) await this.table.batch(keys.map((key) => ({ type: 'del' as const, key })))
    return keys.length
  }
}
