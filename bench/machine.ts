import os from 'node:os'
import { Level } from 'level'

/** One line naming the machine the figures were measured on. */
export function machineLine(): string {
  const cpus = os.cpus()
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`
}

export async function dirBytes(dir: string): Promise<number> {
  const { readdir, stat } = await import('node:fs/promises')
  const { join } = await import('node:path')
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? await dirBytes(path) : (await stat(path)).size
  }
  return total
}

/**
 * Size of the closed LevelDB at `dir` once LevelDB itself has compacted: right after a close the directory still
 * holds its write-ahead log and deleted rows beside their tombstones, which its own compaction drops in time.
 */
export async function settledBytes(dir: string): Promise<number> {
  const db = new Level<string, any>(dir)
  await db.open()
  try {
    // `level` types the universal API; on Node the database is a ClassicLevel, which can compact a key range.
    // Sublevel keys start with '!': ['\x00', '\xff') holds them and any others.
    await (db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('\x00', '\xff')
  } finally {
    await db.close()
  }
  return dirBytes(dir)
}
