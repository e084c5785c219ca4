import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { tempDir } from './temp.js'

export const OUTPOST_BIN = fileURLToPath(new URL('../../dist/cli/outpost.js', import.meta.url))

export interface Proc {
  child: ChildProcess
  output: () => string
  /** Resolves with the first match of `re` in stdout+stderr. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  stop(signal?: NodeJS.Signals): Promise<number | null>
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<number | null>
}

/** Spawns the built `outpost` CLI (run `npm run build` first; `npm test` does). */
export function spawnOutpost(args: string[], env: Record<string, string> = {}, cwd?: string): Proc {
  const child = spawn(process.execPath, [OUTPOST_BIN, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const l of listeners) l()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    output: () => out,
    waitFor(re, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re)
          if (m) {
            cleanup()
            resolve(m)
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`timed out waiting for ${re} in output:\n${out}`))
        }, timeoutMs)
        const onExit = () => {
          cleanup()
          reject(new Error(`process exited before ${re}; output:\n${out}`))
        }
        const cleanup = () => {
          clearTimeout(timer)
          listeners.delete(check)
          child.off('exit', onExit)
        }
        listeners.add(check)
        child.once('exit', onExit)
        check()
      })
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runOutpost(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000) {
  const p = spawnOutpost(args, env)
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolve) => p.child.once('exit', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, output: p.output() }
}

export interface OutpostProcesses {
  /** The describe block's temp dir. */
  readonly dir: string
  /** spawnOutpost, stopped after the describe block. */
  spawn(args: string[], env?: Record<string, string>): Proc
}

/** Registers beforeAll/afterAll hooks: one temp dir for the describe block, and every process spawned stopped. */
export function useOutpostProcesses(): OutpostProcesses {
  let temp: Awaited<ReturnType<typeof tempDir>> | undefined
  const procs: Proc[] = []
  beforeAll(async () => {
    temp = await tempDir()
  })
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()))
    await temp?.cleanup()
  })
  return {
    get dir() {
      if (!temp) throw new Error('useOutpostProcesses: dir asked for outside a test')
      return temp.dir
    },
    spawn(args, env = {}) {
      const p = spawnOutpost(args, env)
      procs.push(p)
      return p
    },
  }
}
