import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { hostInfo, parseOsRelease } from '../../agent/host-info.js'

describe('hostInfo', () => {
  it('describes this machine, its distribution from os-release on Linux', async () => {
    const info = await hostInfo()
    if (os.platform() === 'linux') {
      const release = parseOsRelease(readFileSync('/etc/os-release', 'utf8'))
      expect(info.distro).toBe(release.NAME)
      if (release.VERSION_ID) expect(info.release).toBe(release.VERSION_ID)
    }
    expect(info.hostname).toBeTruthy()
    expect(info.platform).toBeTruthy()
    expect(info.arch).toBeTruthy()
    expect(info.cpus).toBeGreaterThan(0)
    expect(info.memoryTotalBytes).toBeGreaterThan(0)
    expect(Object.keys(info).some((k) => /agent|version/i.test(k))).toBe(false)
  })

  it('reads os-release fields, quoted or not', () => {
    const fields = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID=\'12\'\nID=debian\n# comment\nBAD LINE\nX="a \\"q\\""\n')
    expect(fields).toEqual({ PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', NAME: 'Debian GNU/Linux', VERSION_ID: '12', ID: 'debian', X: 'a "q"' })
  })

  it('answers from node:os when the probe is slower than the timeout', async () => {
    const started = Date.now()
    const info = await hostInfo({ timeoutMs: 50, probe: () => new Promise(() => {}) })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(info).toMatchObject({ hostname: os.hostname(), distro: os.type(), cpus: os.cpus().length })
  })

  it('answers from node:os when the probe fails, and keeps os values the probe left empty', async () => {
    const failed = await hostInfo({ probe: async () => Promise.reject(new Error('no /etc/os-release')) })
    expect(failed.release).toBe(os.release())
    const partial = await hostInfo({ probe: async () => ({ distro: 'Raspbian', release: '', cpus: 0 }) })
    expect(partial).toMatchObject({ distro: 'Raspbian', release: os.release(), cpus: os.cpus().length })
  })
})
