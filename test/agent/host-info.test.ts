import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { hostInfo } from '../../agent/host-info.js'

describe('hostInfo', () => {
  it('describes this machine through systeminformation', async () => {
    const info = await hostInfo()
    expect(info.hostname).toBeTruthy()
    expect(info.platform).toBeTruthy()
    expect(info.arch).toBeTruthy()
    expect(info.cpus).toBeGreaterThan(0)
    expect(info.memoryTotalBytes).toBeGreaterThan(0)
    expect(Object.keys(info).some((k) => /agent|version/i.test(k))).toBe(false)
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
