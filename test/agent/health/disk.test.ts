import { open, rm, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { checkFromConfig } from './run-check.js'

const MiB = 1024 * 1024

async function freeSpace(path: string): Promise<{ free: number; percent: number }> {
  const s = await statfs(path)
  return { free: s.bavail * s.bsize, percent: (s.bavail / s.blocks) * 100 }
}

/** Really takes `bytes` of the disk: written and synced, not a sparse file. */
async function fill(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w')
  try {
    const chunk = Buffer.alloc(8 * MiB, 0x5a)
    for (let written = 0; written < bytes; written += chunk.byteLength) await handle.write(chunk)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

describe('disk health check', () => {
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => ({ dir, cleanup } = await tempDir('outpost-disk-')))
  afterEach(() => cleanup())

  it('flips healthy → unhealthy → healthy as a file takes and frees the space above the threshold', async () => {
    // Threshold 128 MiB below today's free space; filling 256 MiB crosses it with room for other writers' noise.
    const { free } = await freeSpace(dir)
    const threshold = free - 128 * MiB
    const { run } = checkFromConfig({ kind: 'disk', path: dir, degradedBelow: threshold, unhealthyBelow: threshold })
    expect(await run()).toMatchObject({ kind: 'disk', status: 'healthy', message: expect.stringContaining(`free`) })

    const ballast = join(dir, 'ballast')
    await fill(ballast, 256 * MiB)
    const low = await waitFor(async () => {
      const r = await run()
      return r.status === 'unhealthy' && r
    }, 10_000, 'the disk check to see the ballast')
    expect(low.message).toMatch(/below/)

    await rm(ballast)
    await waitFor(async () => (await run()).status === 'healthy', 10_000, 'the disk check to see the space freed')
  })

  it('is degraded between the two thresholds, given as percentages', async () => {
    const { percent } = await freeSpace(dir)
    const above = Math.min(100, Math.ceil(percent) + 1)
    const below = Math.max(0, Math.floor(percent) - 1)
    expect((await checkFromConfig({ kind: 'disk', path: dir, degradedBelow: `${above}%`, unhealthyBelow: `${below}%` }).run()).status).toBe('degraded')
    expect((await checkFromConfig({ kind: 'disk', path: dir, degradedBelow: `${above}%`, unhealthyBelow: `${above}%` }).run()).status).toBe('unhealthy')
    expect((await checkFromConfig({ kind: 'disk', path: dir, degradedBelow: `${below}%`, unhealthyBelow: '0%' }).run()).status).toBe('healthy')
  })

  it('reports a path that does not exist as unhealthy', async () => {
    const result = await checkFromConfig({ kind: 'disk', path: join(dir, 'unmounted') }).run()
    expect(result).toMatchObject({ status: 'unhealthy', message: expect.stringContaining('ENOENT') })
  })

  it('refuses thresholds it cannot read or that are out of order', () => {
    expect(() => checkFromConfig({ kind: 'disk', degradedBelow: 'lots' })).toThrow(/health\[0\]\.degradedBelow: expected a percentage/)
    expect(() => checkFromConfig({ kind: 'disk', degradedBelow: '120%' })).toThrow(/health\[0\]\.degradedBelow: a percentage must be 0-100%/)
    expect(() => checkFromConfig({ kind: 'disk', degradedBelow: '5%', unhealthyBelow: '10%' })).toThrow(/health\[0\]\.unhealthyBelow: must not be above/)
    expect(() => checkFromConfig({ kind: 'disk', degradedBelow: '2GiB', unhealthyBelow: '500MB' })).not.toThrow()
  })
})
