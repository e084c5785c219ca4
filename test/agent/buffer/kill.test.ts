import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/temp.js'
import { bodyFor, openBuffer, readAll, sameBytes } from './fixtures.js'

const BUILT = fileURLToPath(new URL('../../../dist/agent/buffer/level-buffer.js', import.meta.url))
const BODY = 2000

// The child appends as fast as it can and prints each seq once append resolved: a promise the buffer made.
const CHILD = `
const { LevelBuffer } = await import(process.env.BUFFER_MODULE)
const body = (seq) => { const out = new Uint8Array(${BODY}); let x = (seq * 2654435761) >>> 0 || 1
  for (let i = 0; i < out.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff } return out }
const buffer = new LevelBuffer(process.env.BUFFER_DIR, { maxBytes: 256 * 1024 * 1024, policy: 'drop_oldest' })
await buffer.open()
for (;;) {
  const seq = buffer.stats().nextSeq
  const got = await buffer.append(body(seq))
  process.stdout.write(got + '\\n')
}
`

/** Runs the child until it has printed at least `atLeast` seqs plus a random extra moment, then SIGKILLs it. */
async function runAndKill(dir: string, atLeast: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, BUFFER_DIR: dir, BUFFER_MODULE: pathToFileURL(BUILT).href },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child printed too little: ${out.length} chars; stderr: ${err}`)), 20_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.split('\n').length > atLeast) {
        clearTimeout(timer)
        setTimeout(resolve, Math.random() * 30) // a random moment, usually mid-write
      }
    })
    child.once('exit', () => reject(new Error(`child exited early: ${err}`)))
  })
  child.kill('SIGKILL')
  expect(await exited).toBe('SIGKILL')
  return out
    .split('\n')
    .slice(0, -1) // the last piece may be a half-printed line
    .map(Number)
}

describe('LevelBuffer durability across kill -9', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await dir.cleanup()
  })

  it('every seq a killed process was given is there after reopening, and the next seq is above them all', async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first (npm test does)`)
    let printed: number[] = []
    for (let round = 0; round < 3; round++) {
      printed = printed.concat(await runAndKill(dir.dir, 50 + Math.floor(Math.random() * 400)))
      const buffer = await openBuffer(dir.dir, { maxBytes: 256 * 1024 * 1024 })
      try {
        const held = await readAll(buffer)
        const heldSeqs = new Set(held.map((h) => h.seq))
        for (const seq of printed) expect(heldSeqs.has(seq), `seq ${seq} kept`).toBe(true)
        for (const { seq, body } of held) expect(sameBytes(body, bodyFor(seq, BODY)), `seq ${seq} intact`).toBe(true)
        const highest = Math.max(...printed)
        // Held seqs run 1..n without a gap: a seq is given out only with its batch on disk.
        expect(held.map((h) => h.seq)).toEqual(Array.from({ length: held.length }, (_, i) => i + 1))
        expect(buffer.stats().nextSeq).toBeGreaterThan(highest)
        expect(buffer.stats()).toMatchObject({ pending: held.length, droppedBatches: {} })
      } finally {
        await buffer.close()
      }
    }
  })
})
