import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { tempDir } from '../../helpers/temp.js'
import type { LevelBufferOptions } from '../../../agent/buffer/types.js'

/** A body whose bytes follow from its seq (xorshift), so a test can check any read without keeping copies. */
export function bodyFor(seq: number, size: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = (seq * 2654435761) >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a).equals(Buffer.from(b))

export async function openBuffer(dir: string, options: Partial<LevelBufferOptions> = {}): Promise<LevelBuffer> {
  const buffer = new LevelBuffer(dir, { maxBytes: 64 * 1024 * 1024, policy: 'drop_oldest', ...options })
  await buffer.open()
  return buffer
}

/** Every held batch, oldest first, read a page at a time as the uplink does. */
export async function readAll(buffer: LevelBuffer): Promise<{ seq: number; body: Uint8Array }[]> {
  const all: { seq: number; body: Uint8Array }[] = []
  for (let page = await buffer.read(0, 100); page.length > 0; page = await buffer.read(page[page.length - 1].seq, 100)) {
    all.push(...page)
  }
  return all
}

/** The database's files with their sizes, largest first. */
export async function levelFiles(dir: string): Promise<{ name: string; path: string; size: number }[]> {
  const names = await readdir(dir)
  const files = await Promise.all(names.map(async (name) => ({ name, path: join(dir, name), size: (await stat(join(dir, name))).size })))
  return files.sort((a, b) => b.size - a.size)
}

/** A fresh temp dir for each test; after it, the test's buffer (`current()`) is closed and the dir removed. */
export function bufferTestDir(current: () => LevelBuffer | undefined): { readonly dir: string } {
  let made: { dir: string; cleanup: () => Promise<void> } | undefined
  beforeEach(async () => {
    made = await tempDir()
  })
  afterEach(async () => {
    await current()?.close().catch(() => {})
    await made?.cleanup()
  })
  return {
    get dir() {
      return made!.dir
    },
  }
}
