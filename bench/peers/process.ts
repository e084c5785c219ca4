import { spawn } from 'node:child_process'
import { until, type BenchProcess } from '../processes.js'

// A peer database's server as a child process: started with its own temp dirs, watched for readiness with a
// bounded wait, stopped with SIGTERM then SIGKILL (stopOutpost in ../processes.ts works for any BenchProcess).

/** Keeps the last 64 KiB of output: enough to explain a failure, bounded however chatty the server is. */
const OUTPUT_TAIL = 64 * 1024

export function startBinary(command: string, args: string[]): BenchProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-OUTPUT_TAIL)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', resolve)
    child.once('error', (err) => {
      out += `\n${err.message}`
      resolve(null)
    })
  })
  return { child, output: () => out, exited }
}

/** Waits until GET `url` answers with a status in `ok`; fails early with the output if the process has exited. */
export async function untilHttp(p: BenchProcess, url: string, what: string, ok = [200, 204], timeoutMs = 30_000): Promise<void> {
  await until(async () => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`bench:peers: ${what} exited early:\n${p.output()}`)
    const status = await fetch(url).then((r) => r.status, () => 0)
    return ok.includes(status) ? true : undefined
  }, timeoutMs, what, 100)
}
