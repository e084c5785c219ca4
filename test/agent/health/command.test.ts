import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/temp.js'
import { checkFromConfig } from './run-check.js'

describe('command health check', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let script: string
  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir('outpost-cmd-'))
    script = join(dir, 'check.mjs')
  })
  afterEach(() => cleanup())

  /** The check runs node on a script whose exit code and output we rewrite between runs. */
  const setExit = (code: number, output = `status ${code}`) =>
    writeFile(script, `console.log(${JSON.stringify(output)}); process.exit(${code})\n`)

  it('flips healthy → unhealthy → healthy as the script exit code changes, through degraded', async () => {
    const { run } = checkFromConfig({ kind: 'command', command: [process.execPath, script] })
    await setExit(0, 'all good')
    expect(await run()).toMatchObject({ kind: 'command', status: 'healthy', message: 'exit 0: all good' })
    await setExit(2, 'db unreachable')
    expect(await run()).toMatchObject({ status: 'unhealthy', message: 'exit 2: db unreachable' })
    await setExit(1)
    expect((await run()).status).toBe('degraded')
    await setExit(0)
    expect((await run()).status).toBe('healthy')
  })

  it('reports other exit codes and a missing program as unknown, and a hung program as unhealthy', async () => {
    await setExit(3)
    expect(await checkFromConfig({ kind: 'command', command: [process.execPath, script] }).run()).toMatchObject({ status: 'unknown', message: 'exit 3: status 3' })
    expect(await checkFromConfig({ kind: 'command', command: [join(dir, 'missing')] }).run()).toMatchObject({ status: 'unknown', message: expect.stringContaining('ENOENT') })

    await writeFile(script, 'setTimeout(() => {}, 60000)\n')
    const started = Date.now()
    const hung = await checkFromConfig({ kind: 'command', command: [process.execPath, script], timeout: '300ms', interval: '1s' }).run()
    expect(hung).toMatchObject({ status: 'unhealthy', message: 'timed out after 300 ms' })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('runs the program without a shell: arguments are passed as they are', async () => {
    const echo = join(dir, 'args.mjs')
    await writeFile(echo, 'console.log(process.argv.slice(2).join("|")); process.exit(0)\n')
    await chmod(echo, 0o755)
    const result = await checkFromConfig({ kind: 'command', command: [process.execPath, echo, '$HOME', 'a b', ';', 'exit 2'] }).run()
    expect(result.message).toBe('exit 0: $HOME|a b|;|exit 2')
  })

  it('refuses a command that is not a list', () => {
    expect(() => checkFromConfig({ kind: 'command', command: 'check.sh --all' })).toThrow(/health\[0\]\.command: /)
    expect(() => checkFromConfig({ kind: 'command', command: [] })).toThrow(/health\[0\]\.command: expected \[program, \.\.\.args\]/)
  })
})
