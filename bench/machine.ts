import os from 'node:os'

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
