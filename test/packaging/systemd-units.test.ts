import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'

// Issue 19: packaging/outpost-agent.service and outpost-hub.service pass `systemd-analyze verify` without a warning
// (it exits 0 even on an unknown key, so stderr must be empty) and score as hardened in `systemd-analyze security`.
const UNITS = ['outpost-agent.service', 'outpost-hub.service']
const packaging = fileURLToPath(new URL('../../packaging/', import.meta.url))
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' })
const missing = analyze.error ? `systemd-analyze is not installed (${analyze.error.message}); npm test installs it (scripts/system-deps.txt, package systemd)` : ''

function verify(file: string) {
  return spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } })
}

describe.skipIf(!!missing)('systemd units', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => {
    dir = await tempDir()
  })
  afterAll(() => dir.cleanup())

  for (const unit of UNITS) {
    it(`${unit} verifies cleanly and is hardened`, () => {
      const r = verify(join(packaging, unit))
      expect(r.status, r.stderr).toBe(0)
      expect(r.stderr.trim()).toBe('')
      const text = readFileSync(join(packaging, unit), 'utf8')
      for (const line of ['DynamicUser=yes', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'Restart=always', 'CapabilityBoundingSet=']) expect(text).toContain(line)
      expect(text).toMatch(/^StateDirectory=outpost-(agent|hub)$/m)
      const security = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', join(packaging, unit)], { encoding: 'utf8' })
      const level = /Overall exposure level for \S+: ([\d.]+)/.exec(security.stdout + security.stderr)
      expect(level, security.stdout + security.stderr).not.toBeNull()
      // 0 is locked down, 10 is none; systemd calls below 3 "OK".
      expect(Number(level![1])).toBeLessThan(3)
    })
  }

  it('the check can fail: a misspelt key is reported', () => {
    const bad = join(dir.dir, 'bad-agent.service')
    writeFileSync(bad, readFileSync(join(packaging, 'outpost-agent.service'), 'utf8').replace('ProtectSystem=strict', 'ProtectSystm=strict'))
    expect(verify(bad).stderr).toMatch(/Unknown key 'ProtectSystm'/)
  })
})
