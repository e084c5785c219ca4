import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

// Real `outpost` processes for benchmarks that need them apart from the bench process: spawning, stopping with a
// bounded grace period, free loopback ports, a process's resident memory and an agent's own metrics.

const BIN = fileURLToPath(new URL('../cli/outpost.js', import.meta.url))
const MIB = 1024 * 1024

export interface BenchProcess {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

/** `bin`: another build's `dist/cli/outpost.js`, for a baseline measured in the same run. */
export function startOutpost(args: string[], env: Record<string, string> = {}, nodeFlags: string[] = [], bin = BIN): BenchProcess {
  const child = spawn(process.execPath, [...nodeFlags, bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  return { child, output: () => out, exited: new Promise((resolve) => child.once('exit', resolve)) }
}

export const running = (p: BenchProcess) => p.child.exitCode === null && p.child.signalCode === null

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopOutpost(p: BenchProcess, graceMs = 10_000): Promise<void> {
  if (!running(p)) return
  p.child.kill('SIGTERM')
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs)
  await p.exited
  clearTimeout(timer)
}

/** Polls `fn` every `everyMs` until it returns something other than undefined; throws after `timeoutMs`. */
export async function until<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await fn()
    if (value !== undefined) return value
    await sleep(everyMs)
  }
  throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A free loopback port, so a restarted hub comes back where its agent expects it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Resident memory of a live process in MiB, from /proc (Linux); NaN where /proc is missing. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  return m ? (Number(m[1]) * 1024) / MIB : NaN
}

/** One unlabelled gauge from Prometheus text; NaN if absent. */
export function promValue(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return m ? Number(m[1]) : NaN
}

/** The agent's `/metrics` text, or '' if the listener did not answer. */
export function agentMetricsText(listen: string): Promise<string> {
  return fetch(`http://${listen}/metrics`).then((r) => r.text(), () => '')
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN where that cannot be read. */
export async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
  } catch {
    return NaN
  }
}

/** USER_HZ: 100 on every Linux platform Node runs on. */
const CLOCK_TICKS = 100
