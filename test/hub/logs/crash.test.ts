import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/temp.js'
import { makeBlockLogHarness } from './harness.js'

// Issue 15: SIGKILL of a process ingesting logs into the block store, during ingest and during block sealing, at
// random moments; after each kill every acked batch is there, whole, exactly once, and no batch is there in part.
// Redelivering everything afterwards (as agents do) stores the rest, still nothing twice. Real child processes on
// a real LevelDB; the checker reopens the store after the kill.

const CHILD = fileURLToPath(new URL('./crash-child.mjs', import.meta.url))
const DEVICES = 4
const BATCHES = 150
const LINES = 40
const BLOCK_LINES = 300

interface Child {
  proc: ChildProcess
  acked: Set<string>
  seals: number
  exited: Promise<void>
  /** Resolves once the child printed a line satisfying `test` (or rejects when it exits first). */
  until(test: (line: string) => boolean, timeoutMs?: number): Promise<void>
}

function startChild(dir: string): Child {
  const proc = spawn(process.execPath, [CHILD, dir, String(DEVICES), String(BATCHES), String(LINES), String(BLOCK_LINES)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const waiters: Array<{ test: (line: string) => boolean; resolve: () => void }> = []
  let stderr = ''
  let buffer = ''
  const child: Child = {
    proc,
    acked: new Set(),
    seals: 0,
    exited: new Promise((resolve) => proc.on('exit', () => resolve())),
    until(test, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child: no matching line within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs)
        waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) })
        child.exited.then(() => setTimeout(() => reject(new Error(`child exited; stderr:\n${stderr}`)), 50))
      })
    },
  }
  proc.stderr!.on('data', (d) => (stderr += d))
  proc.stdout!.on('data', (d) => {
    buffer += d
    let nl
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      if (line.startsWith('ack ')) {
        const [, dev, seq] = line.split(' ')
        child.acked.add(`${dev} ${seq}`)
      }
      if (line === 'seal') child.seals++
      for (const w of [...waiters]) if (w.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve())
    }
  })
  return child
}

/** Opens the store after a kill: every line by (device, seq, k); fails on a duplicate or a batch stored in part. */
async function storedBatches(dir: string): Promise<Set<string>> {
  const h = await makeBlockLogHarness({ blockLines: BLOCK_LINES }, dir)
  try {
    const lines = (await h.logs.query({ from: -Infinity, to: Infinity, limit: 1_000_000 })).logs
    const perBatch = new Map<string, Set<string>>()
    for (const line of lines) {
      const [, d, s, k] = /^probe d(\d+) s(\d+) k(\d+)/.exec(line.message)!
      const batch = `${d} ${s}`
      const ks = perBatch.get(batch) ?? new Set()
      expect(ks.has(k), `line ${line.message} stored twice`).toBe(false)
      ks.add(k)
      perBatch.set(batch, ks)
    }
    for (const [batch, ks] of perBatch) expect(ks.size, `batch ${batch} stored in part`).toBe(LINES)
    // The search index agrees with the lines: every stored line is found by its words.
    const found = (await h.logs.query({ from: -Infinity, to: Infinity, words: ['modbus', 'timeout'], limit: 1_000_000 })).logs.length
    expect(found).toBe(lines.length)
    // And by a rare word, read from the rare rows the seals wrote in the same batch as the blocks.
    const rare = (await h.logs.query({ from: -Infinity, to: Infinity, words: ['watchdog'], limit: 1_000_000 })).logs.map((l) => l.message)
    expect(rare).toEqual(lines.filter((l) => l.message.endsWith(' watchdog')).map((l) => l.message))
    return new Set(perBatch.keys())
  } finally {
    await h.close()
  }
}

describe('block log store SIGKILLed during ingest and sealing', { timeout: 300_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let child: Child | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    child?.proc.kill('SIGKILL')
    await child?.exited
    child = undefined
    await dir.cleanup()
  })

  it('killed 10 times, during ingest or right after a seal started: every acked batch once and whole, none in part', async () => {
    let everAcked = new Set<string>()
    let sealKills = 0
    for (let kill = 1; kill <= 10; kill++) {
      child = startChild(dir.dir)
      await child.until((l) => l === 'ready')
      if (kill % 2 === 0) {
        // During sealing: wait for a seal to start, then a random moment (a seal of 300+ lines takes some ms).
        const seen = child.seals
        await child.until(() => child!.seals > seen)
        await new Promise((r) => setTimeout(r, Math.random() * 15))
        sealKills++
      } else {
        const target = child.acked.size + 20 + Math.floor(Math.random() * 60)
        await child.until(() => child!.acked.size >= target)
      }
      child.proc.kill('SIGKILL')
      await child.exited
      const acked = child.acked
      child = undefined
      const stored = await storedBatches(dir.dir)
      for (const batch of acked) expect(stored.has(batch), `acked batch ${batch} lost`).toBe(true)
      for (const batch of everAcked) expect(stored.has(batch), `batch ${batch} acked in an earlier run lost`).toBe(true)
      everAcked = new Set([...everAcked, ...acked])
    }
    expect(sealKills).toBe(5)
    // Everything redelivered: the rest stored, nothing twice.
    child = startChild(dir.dir)
    await child.until((l) => l === 'done', 120_000)
    await child.exited
    child = undefined
    const stored = await storedBatches(dir.dir)
    expect(stored.size).toBe(DEVICES * BATCHES)
  })
})
