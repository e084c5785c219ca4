// The commands an operator may send an agent (DESIGN §7 `POST /v1/devices/{id}/commands`, docs/agent.md).
import { open, stat } from 'node:fs/promises'
import type { CommandName } from '../../protocol/commands.js'
import type { Agent } from '../agent.js'
import { TailInput } from '../inputs/tail/index.js'

/** A refusal naming the argument at fault; the reply carries `field` and `message`. */
export class CommandError extends Error {
  constructor(
    readonly field: string | undefined,
    message: string,
  ) {
    super(message)
  }
}

export interface CommandHost {
  agent: Agent
  version: string
  /** Restarts the agent in place (cli/commands/agent.ts) once the reply is out. */
  restart?: () => void
}

const MAX_TAIL_LINES = 1000
/** Replies travel in one small CBOR message (protocol SMALL_MESSAGE_LIMITS: 64 KiB). */
const MAX_TAIL_BYTES = 32 * 1024

type Handler = (host: CommandHost, args: Record<string, unknown>) => Promise<Record<string, unknown>>

export const COMMANDS: Record<CommandName, Handler> = {
  ping: async (host) => ({ pong: true, at: Date.now(), version: host.version, uptimeSeconds: Math.round(process.uptime()) }),
  collect: async ({ agent }) => {
    await agent.collectOnce()
    return { collected: true, pending: agent.buffer.stats().pending }
  },
  health: async ({ agent }, args) => {
    const name = args.name
    const names = agent.healthChecks.map((c) => c.name)
    if (typeof name !== 'string') throw new CommandError('args.name', `required: one of ${names.join(', ') || '(no checks configured)'}`)
    const result = await agent.runHealthCheck(name)
    if (!result) throw new CommandError('args.name', `no check "${name}"; configured: ${names.join(', ') || '(none)'}`)
    return { ...result }
  },
  'logs.tail': async ({ agent }, args) => {
    const lines = args.lines ?? 20
    if (!Number.isInteger(lines) || (lines as number) < 1 || (lines as number) > MAX_TAIL_LINES) {
      throw new CommandError('args.lines', `must be an integer 1..${MAX_TAIL_LINES}`)
    }
    const path = args.path
    if (typeof path !== 'string') throw new CommandError('args.path', 'required: a file a `logs:` entry follows')
    // Only files the agent is configured to follow: a command must not read arbitrary files off the device.
    if (!agent.inputs.some((i) => i instanceof TailInput && i.matches(path))) {
      throw new CommandError('args.path', `"${path}" is not matched by any configured logs entry`)
    }
    return { path, lines: await lastLines(path, lines as number) }
  },
  'buffer.stats': async ({ agent }) => ({ ...agent.buffer.stats(), uplink: { ...agent.uplink.counters, connected: agent.uplink.connected } }),
  restart: async (host) => {
    if (!host.restart) throw new CommandError(undefined, 'this agent cannot restart itself (no restart hook)')
    return { restarting: true }
  },
}

/** The last `n` lines of a file, reading at most MAX_TAIL_BYTES from its end. */
async function lastLines(path: string, n: number): Promise<string[]> {
  const size = await stat(path).then((s) => s.size, () => {
    throw new CommandError('args.path', `cannot read "${path}"`)
  })
  const start = Math.max(0, size - MAX_TAIL_BYTES)
  const file = await open(path, 'r')
  try {
    const buf = Buffer.alloc(size - start)
    await file.read(buf, 0, buf.length, start)
    const text = buf.toString('utf8')
    const all = text.split('\n')
    if (all.at(-1) === '') all.pop()
    if (start > 0) all.shift() // a partial first line
    return all.slice(-n)
  } finally {
    await file.close()
  }
}
