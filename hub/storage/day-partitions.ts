// Engines that keep the time-led tables in partitions of one UTC day (the PostgreSQL backend, docs/storage.md
// "Retention") expire data by dropping whole days, never by deleting rows. LevelDB has none: its stores delete
// key ranges as before. Stores ask through here, so no store names an engine.

export const DAY_MS = 86_400_000

export interface DayPartitions {
  /**
   * Drops every day before `beforeDay` of the tables `prefixes` (keyspace names), in one transaction with the puts
   * `ops` (root keys and stored bytes), so the drop and the store's bookkeeping commit together or not at all.
   */
  dropDaysBefore(prefixes: string[], beforeDay: number, ops?: Array<{ key: Buffer; value: Buffer }>): Promise<void>
}

/** The database's day partitions, when its engine has them. */
export function dayPartitions(db: unknown): DayPartitions | undefined {
  const root = db as Partial<DayPartitions> | undefined
  return typeof root?.dropDaysBefore === 'function' ? (root as DayPartitions) : undefined
}

/** The root key of `key` in a sublevel whose prefix is `prefix` (`!name!`): what an engine's raw write takes. */
export const rootKey = (prefix: string, key: string) => Buffer.from(prefix + key, 'utf8')
