// The command check: runs a program (no shell) and maps its exit code to a status, as Nagios plugins do. README.md.
import * as z from 'zod'
import type { HealthStatus } from '../../../protocol/batch.js'
import type { HealthKindPlugin, HealthProbe, ProbeOutcome } from '../types.js'

/** Most output kept for the message: the first line of stdout (or stderr), cut here. */
const MAX_OUTPUT_BYTES = 4096

const optionsSchema = z.strictObject({
  command: z.array(z.string().min(1)).min(1, 'expected [program, ...args]'),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).optional(),
})

export type CommandCheckOptions = z.output<typeof optionsSchema>

/** Exit 0, 1 and 2 are the Nagios plugin codes; any other code (3 is Nagios' UNKNOWN) reports `unknown`. */
const STATUS_BY_EXIT_CODE: Record<number, HealthStatus> = { 0: 'healthy', 1: 'degraded', 2: 'unhealthy' }

export function commandCheckPlugin(): HealthKindPlugin<typeof optionsSchema> {
  return {
    name: 'command',
    description: 'a program exits 0 (healthy), 1 (degraded) or 2 (unhealthy)',
    options: optionsSchema,
    create: (options) => new CommandProbe(options),
  }
}

export class CommandProbe implements HealthProbe {
  constructor(private readonly options: CommandCheckOptions) {}

  async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    const [program, ...args] = this.options.command
    // Loaded on the first check: an agent without command checks never loads node:child_process (docs/agent.md).
    const { spawn } = await import('node:child_process')
    return new Promise((resolve, reject) => {
      // `signal` kills the child with SIGKILL on timeout or agent stop: a hung script cannot pile up.
      const child = spawn(program, args, {
        cwd: this.options.cwd,
        env: this.options.env ? { ...process.env, ...this.options.env } : process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        signal,
        killSignal: 'SIGKILL',
      })
      const stdout = new CappedText(MAX_OUTPUT_BYTES)
      const stderr = new CappedText(MAX_OUTPUT_BYTES)
      child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk))
      child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk))
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (signal.aborted) reject(err)
        else resolve({ status: 'unknown', message: `cannot run ${program}: ${err.code ?? err.message}` })
      })
      child.once('close', (code, killedBy) => {
        if (signal.aborted) return reject(signal.reason)
        const output = stdout.firstLine() || stderr.firstLine()
        if (code === null) return resolve({ status: 'unknown', message: `killed by ${killedBy}${output ? `: ${output}` : ''}` })
        const status = STATUS_BY_EXIT_CODE[code] ?? 'unknown'
        resolve({ status, message: `exit ${code}${output ? `: ${output}` : ''}` })
      })
    })
  }
}

class CappedText {
  private chunks: Buffer[] = []
  private size = 0
  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    if (this.size >= this.max) return
    this.chunks.push(chunk)
    this.size += chunk.byteLength
  }

  firstLine(): string {
    return Buffer.concat(this.chunks).subarray(0, this.max).toString('utf8').trim().split('\n')[0]?.trim() ?? ''
  }
}
