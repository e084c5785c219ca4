import { execFile } from 'node:child_process'
import { appendFile, mkdir, rm, statfs, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A filesystem of a fixed size made for a test: a size-limited tmpfs mounted on a directory of the test's (root, as
 * developers and CI run here). A filler file takes its free space away and gives it back, as a disk filling up would.
 */
export interface SmallFs {
  dir: string
  /** Bytes free for an ordinary process now. */
  freeBytes(): Promise<number>
  /** Grows the filler until at most `leaveBytes` stay free. */
  fill(leaveBytes?: number): Promise<void>
  /** Deletes the filler: the space comes back. */
  release(): Promise<void>
  unmount(): Promise<void>
}

/** Mounts a tmpfs of `sizeMiB` under `parent`, or says why it cannot (not root, no mount permission). */
export async function mountSmallFs(parent: string, sizeMiB: number): Promise<SmallFs | { unavailable: string }> {
  const dir = join(parent, 'small-fs')
  await mkdir(dir, { recursive: true })
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', dir])
  } catch (err) {
    return { unavailable: `cannot mount a ${sizeMiB} MiB tmpfs: ${(err as Error).message.split('\n')[0]}` }
  }
  const filler = join(dir, 'filler')
  const freeBytes = async () => {
    const s = await statfs(dir)
    return s.bavail * s.bsize
  }
  return {
    dir,
    freeBytes,
    async fill(leaveBytes = 0) {
      const grow = (await freeBytes()) - leaveBytes
      if (grow <= 0) return
      // Written, not truncated to size: tmpfs then really gives the pages away.
      await appendFile(filler, Buffer.alloc(grow)).catch((err) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
      })
    },
    async release() {
      await unlink(filler).catch(() => {})
    },
    async unmount() {
      // A process still holding a file would make the unmount fail: retry a few times, then detach it lazily.
      for (let i = 0; i < 20; i++) {
        try {
          await run('umount', [dir])
          break
        } catch {
          if (i === 19) await run('umount', ['-l', dir]).catch(() => {})
          else await new Promise((r) => setTimeout(r, 100))
        }
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}
