import { appendFile, rename, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Agent } from '../../../agent/agent.js'
import { TailInput, tailInputPlugin } from '../../../agent/inputs/tail/index.js'
import { parseOptions } from '../../../kit/options.js'
import { makeTestAgent } from '../../helpers/agent.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { watchTelemetry, type TelemetryWatch } from './telemetry-watch.js'

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `line ${from + k}`)
const text = (ls: string[]) => ls.map((l) => l + '\n').join('')

describe('log file tailing to a real hub', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let watch: TelemetryWatch
  let agent: Agent | undefined
  let logPath: string

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
    watch = await watchTelemetry(hub)
    logPath = join(dir.dir, 'app.log')
  })
  afterEach(async () => {
    await agent?.stop()
    agent = undefined
    await watch.close()
    await hub.stop()
    await dir.cleanup()
  })

  const startAgent = async (entry: Record<string, unknown> = {}) => {
    const raw = { path: join(dir.dir, '*.log'), component: 'app', startAt: 'beginning', pollInterval: '50ms', ...entry }
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { inputs: [new TailInput(parseOptions(tailInputPlugin.options, raw, 'logs[0]'))], autoCollect: false, listen: '127.0.0.1:0' })
    await agent.start()
    return agent
  }
  const stopAgent = async () => {
    await agent!.stop()
    agent = undefined
  }
  const delivered = () => watch.logs().map((l) => l.message)
  const waitDelivered = (n: number, what: string) => waitFor(() => delivered().length >= n, 15_000, `${n} lines delivered (${what})`)

  it('a file rotated twice and truncated once, with a restart in between: every line delivered exactly once, in order', async () => {
    const expected: string[] = []
    const write = async (path: string, ls: string[], append = true) => {
      await (append ? appendFile : writeFile)(path, text(ls))
      expected.push(...ls)
    }
    await write(logPath, lines(0, 10), false)
    await startAgent()
    await waitDelivered(10, 'initial lines')

    // Rotation 1 while running: the writer adds a line to the renamed file before it reopens; the old file is read
    // to its end before the new one.
    await write(logPath, lines(10, 20))
    await rename(logPath, `${logPath}.1`)
    await write(`${logPath}.1`, ['late line in the rotated file'])
    await write(logPath, lines(20, 30), false)
    await waitDelivered(31, 'first rotation')

    // A line being written when the agent stops is not read half; it is finished while the agent is down.
    await appendFile(logPath, 'partial ')
    await new Promise((r) => setTimeout(r, 300))
    expect(delivered()).not.toContain('partial ')
    await stopAgent()

    // While the agent is down: the line is completed, more lines come, and rotation 2 moves every file along.
    await write(logPath, [])
    await appendFile(logPath, 'done\n')
    expected.push('partial done')
    await write(logPath, lines(30, 40))
    await rename(`${logPath}.1`, `${logPath}.2`)
    await rename(logPath, `${logPath}.1`)
    await write(logPath, lines(40, 50), false)
    await startAgent()
    await waitDelivered(expected.length, 'second rotation across a restart')

    // Truncation: the file is cut and rewritten shorter than the position reached.
    await write(logPath, lines(50, 55))
    await waitDelivered(expected.length, 'before truncation')
    await truncate(logPath, 0)
    await write(logPath, ['after truncation'])
    await waitDelivered(expected.length, 'after truncation')

    await new Promise((r) => setTimeout(r, 500)) // room for a duplicate to show up, if there were one
    expect(delivered()).toEqual(expected)
    expect(watch.logs().every((l) => l.component === 'app' && l.level === 'info' && (l.attrs as { file: string }).file === logPath)).toBe(true)
  }, 60_000)

  it('a restart resumes exactly where the last buffered line ended; startAt end skips what was there before', async () => {
    await writeFile(logPath, text(['old 1', 'old 2']))
    await startAgent({ startAt: 'end' })
    await appendFile(logPath, text(['new 1', 'new 2']))
    await waitDelivered(2, 'new lines')
    await stopAgent()
    await appendFile(logPath, text(['while down 1', 'while down 2']))
    await startAgent({ startAt: 'end' })
    await appendFile(logPath, text(['after restart']))
    await waitDelivered(5, 'lines after the restart')
    await new Promise((r) => setTimeout(r, 300))
    expect(delivered()).toEqual(['new 1', 'new 2', 'while down 1', 'while down 2', 'after restart'])
  }, 30_000)

  it('a 1 MiB line is cut to maxLineBytes, delivered, and counted on the agent /metrics', async () => {
    await writeFile(logPath, `ERROR ${'x'.repeat(1024 * 1024)}\nINFO short\n`)
    const running = await startAgent()
    await waitDelivered(2, 'long line')
    const [long, short] = watch.logs()
    expect(long.message).toHaveLength(64 * 1024)
    expect(long.message.startsWith('ERROR xxx')).toBe(true)
    expect(long.level).toBe('error')
    expect(short).toMatchObject({ message: 'INFO short', level: 'info' })
    const { host, port } = running.listenerAddress()!
    const metrics = await (await fetch(`http://${host}:${port}/metrics`)).text()
    expect(metrics).toMatch(/^outpost_agent_log_lines_truncated_total 1$/m)
    expect(metrics).toMatch(/^outpost_agent_log_lines_read_total 2$/m)
  }, 30_000)

  it('json lines keep their level, time, trace and span ids', async () => {
    const ts = Date.now() - 5_000
    await writeFile(
      logPath,
      text([
        JSON.stringify({ ts, level: 'error', msg: 'valve stuck', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', valve: 3 }),
        JSON.stringify({ time: new Date(ts).toISOString(), severity: 'fatal', message: 'shutdown' }),
        'not json at all WARN',
      ]),
    )
    await startAgent({ parser: 'json', component: 'valves' })
    await waitDelivered(3, 'json lines')
    expect(watch.logs()).toEqual([
      { ts, level: 'error', message: 'valve stuck', component: 'valves', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', attrs: { file: logPath, valve: 3 } },
      { ts, level: 'critical', message: 'shutdown', component: 'valves', attrs: { file: logPath } },
      expect.objectContaining({ level: 'warning', message: 'not json at all WARN', component: 'valves' }),
    ])
  }, 30_000)
})
