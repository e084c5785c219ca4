// Crash tests of a store that ingests through LevelMetricStore (the log and trace block stores): a real child
// process (crash-ingest-child.mjs drives it) ingests batches and prints each ack and each seal; the test SIGKILLs it
// during ingest or right after a seal started, reopens the store and checks every acked batch is there, whole, once.
import { spawn, type ChildProcess } from 'node:child_process'
import { afterEach, beforeEach, expect } from 'vitest'
import { tempDir } from './temp.js'

export interface CrashChild {
  proc: ChildProcess
  /** `device seq` of every batch the child printed an ack for. */
  acked: Set<string>
  seals: number
  exited: Promise<void>
  /** Resolves once the child printed a line satisfying `test` (or rejects when it exits first). */
  until(test: (line: string) => boolean, timeoutMs?: number): Promise<void>
}

/** Runs `script` with `args` in a child Node process and follows its `ack`, `seal`, `ready` and `done` lines. */
export function startCrashChild(script: string, args: Array<string | number>): CrashChild {
  const proc = spawn(process.execPath, [script, ...args.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const waiters: Array<{ test: (line: string) => boolean; resolve: () => void }> = []
  let stderr = ''
  let buffer = ''
  const child: CrashChild = {
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

/** Items stored per batch, from a store reopened after a kill; fails on an item stored twice. */
export class BatchTally {
  private readonly items = new Map<string, Set<string>>()

  add(batch: string, item: string, what = item): void {
    const items = this.items.get(batch) ?? new Set()
    expect(items.has(item), `${what} stored twice`).toBe(false)
    items.add(item)
    this.items.set(batch, items)
  }

  /** Fails unless every batch seen holds `size` items: none stored in part. */
  expectWhole(size: number): void {
    for (const [batch, items] of this.items) expect(items.size, `batch ${batch} stored in part`).toBe(size)
  }

  batches(): Set<string> {
    return new Set(this.items.keys())
  }
}

export interface CrashIngest {
  /** The data directory of the test under way. */
  readonly dir: string
  /**
   * Starts the child `kills` times and SIGKILLs it each time: odd rounds once 20-80 more batches are acked, even
   * rounds a random moment (< 15 ms) after a seal started. After each kill `stored()` reads the reopened store;
   * every batch acked so far must be in it. Resolves with the number of kills during a seal.
   */
  killRepeatedly(kills: number, stored: () => Promise<Set<string>>): Promise<number>
  /** Runs the child to its end (every batch delivered again, as agents do) and resolves with `stored()`. */
  redeliverAll(stored: () => Promise<Set<string>>): Promise<Set<string>>
}

/** What the child ingests: `devices` × `batches` batches of `perBatch` records, into blocks of `blockSize`. */
export interface CrashPlan {
  devices: number
  batches: number
  perBatch: number
  blockSize: number
}

/**
 * Registers the hooks of one crash test (a temp dir per test; the child killed and the dir removed after it) and
 * answers its steps. The child `script` gets the data directory and the plan (crash-ingest-child.mjs reads them).
 */
export function useCrashIngest(script: string, plan: CrashPlan): CrashIngest {
  const args = [plan.devices, plan.batches, plan.perBatch, plan.blockSize]
  let dir: { dir: string; cleanup: () => Promise<void> }
  let child: CrashChild | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    child?.proc.kill('SIGKILL')
    await child?.exited
    child = undefined
    await dir.cleanup()
  })
  const start = () => (child = startCrashChild(script, [dir.dir, ...args]))
  return {
    get dir() {
      return dir.dir
    },
    async killRepeatedly(kills, stored) {
      let everAcked = new Set<string>()
      let sealKills = 0
      for (let kill = 1; kill <= kills; kill++) {
        const running = start()
        await running.until((l) => l === 'ready')
        if (kill % 2 === 0) {
          // During sealing: wait for a seal to start, then a random moment (a seal of a few hundred records takes some ms).
          const seen = running.seals
          await running.until(() => running.seals > seen)
          await new Promise((r) => setTimeout(r, Math.random() * 15))
          sealKills++
        } else {
          const target = running.acked.size + 20 + Math.floor(Math.random() * 60)
          await running.until(() => running.acked.size >= target)
        }
        running.proc.kill('SIGKILL')
        await running.exited
        child = undefined
        const found = await stored()
        for (const batch of running.acked) expect(found.has(batch), `acked batch ${batch} lost`).toBe(true)
        for (const batch of everAcked) expect(found.has(batch), `batch ${batch} acked in an earlier run lost`).toBe(true)
        everAcked = new Set([...everAcked, ...running.acked])
      }
      return sealKills
    },
    async redeliverAll(stored) {
      const running = start()
      await running.until((l) => l === 'done', 120_000)
      await running.exited
      child = undefined
      return stored()
    },
  }
}
