import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/temp.js'
import { checkFromConfig } from './run-check.js'

// The process check reads /proc on Linux; elsewhere it asks systeminformation, which these tests do not cover.
const linux = process.platform === 'linux'

describe.runIf(linux)('process health check', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let name: string
  const children: ChildProcess[] = []

  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir('outpost-proc-'))
    // A unique executable name (≤ 15 characters, the kernel's limit for /proc/<pid>/comm): node under another name.
    name = `hc${randomBytes(4).toString('hex')}`
    await symlink(process.execPath, join(dir, name))
  })
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL')
    await cleanup()
  })

  async function start(): Promise<ChildProcess> {
    const child = spawn(join(dir, name), ['-e', 'setTimeout(() => {}, 60000)', `marker-${name}`], { stdio: 'ignore' })
    children.push(child)
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject))
    return child
  }

  async function stop(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  it('flips healthy → unhealthy → healthy as the process stops and starts again', async () => {
    const { run } = checkFromConfig({ kind: 'process', processName: name })
    const first = await start()
    expect(await run()).toMatchObject({ kind: 'process', status: 'healthy', message: `1 running process(es) named "${name}"` })

    await stop(first)
    expect(await run()).toMatchObject({ status: 'unhealthy', message: expect.stringContaining('0 running') })

    await start()
    expect((await run()).status).toBe('healthy')
  })

  it('matches the command line and counts against minCount', async () => {
    const byCmdline = checkFromConfig({ kind: 'process', cmdlineMatches: `marker-${name}$` })
    const twoNeeded = checkFromConfig({ kind: 'process', processName: name, minCount: 2 })
    expect((await byCmdline.run()).status).toBe('unhealthy')
    await start()
    expect((await byCmdline.run()).status).toBe('healthy')
    expect((await twoNeeded.run()).status).toBe('unhealthy')
    await start()
    expect(await twoNeeded.run()).toMatchObject({ status: 'healthy', message: expect.stringMatching(/^2 running/) })
  })

  it('needs a name or a pattern', () => {
    expect(() => checkFromConfig({ kind: 'process' })).toThrow(/health\[0\]\.processName: give processName, cmdlineMatches, or both/)
    expect(() => checkFromConfig({ kind: 'process', cmdlineMatches: '(' })).toThrow(/health\[0\]\.cmdlineMatches: not a valid regular expression/)
  })
})
