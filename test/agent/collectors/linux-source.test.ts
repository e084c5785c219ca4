import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linuxSource } from '../../../agent/collectors/system/linux-source.js'
import { systeminformationSource } from '../../../agent/collectors/system/source.js'
import { tempDir } from '../../helpers/temp.js'

const onLinux = process.platform === 'linux'

// The /proc and /sys reader that replaced systeminformation on Linux (issue 19, footprint) must read what
// systeminformation reads on the same machine.
describe.skipIf(!onLinux)('linuxSource beside systeminformation on this machine', () => {
  it('memory total, interfaces and filesystem sizes agree', async () => {
    const mine = linuxSource()
    const si = systeminformationSource()
    const [m1, m2] = [await mine.memory(), await si.memory()]
    expect(m1.total).toBe(m2.total)
    // Available memory moves between the two reads; within 5 % of total.
    expect(Math.abs(m1.available - m2.available)).toBeLessThan(m1.total * 0.05)

    const [n1, n2] = [await mine.network(), await si.network()]
    expect(n1.map((n) => n.iface).sort()).toEqual(n2.map((n) => n.iface).sort())
    const lo1 = n1.find((n) => n.iface === 'lo')!
    const lo2 = n2.find((n) => n.iface === 'lo')!
    expect(lo1.rxBytes).toBeGreaterThan(0)
    expect(Math.abs(lo1.rxBytes - lo2.rxBytes)).toBeLessThan(Math.max(1e6, lo1.rxBytes * 0.01))

    const [f1, f2] = [await mine.filesystems(), await si.filesystems()]
    // df (what si runs) lists local filesystems only; each it lists has the same size here.
    const root1 = f1.find((f) => f.mount === '/')!
    const root2 = f2.find((f) => f.mount === '/')
    expect(root1.size).toBeGreaterThan(0)
    if (root2) expect(root1.size).toBe(root2.size)
    for (const f of f2) {
      const same = f1.find((x) => x.mount === f.mount)
      expect(same, f.mount).toBeDefined()
      expect(same!.size).toBe(f.size)
    }

    const cpu = await mine.cpuLoad()
    expect(cpu.perCpu).toHaveLength((await import('node:os')).cpus().length)
    expect(cpu.total >= 0 && cpu.total <= 1).toBe(true)
  })
})

describe('linuxSource on a fixed /proc and /sys', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const put = (rel: string, text: string) => {
    mkdirSync(join(dir.dir, rel, '..'), { recursive: true })
    writeFileSync(join(dir.dir, rel), text)
  }
  beforeAll(async () => {
    dir = await tempDir()
    put('proc/stat', 'cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\ncpu1 50 0 50 350 50 0 0 0 0 0\nintr 1\n')
    put('proc/meminfo', 'MemTotal:       8000 kB\nMemFree:        1000 kB\nMemAvailable:   5000 kB\nBuffers:         100 kB\n')
    put('proc/net/dev', 'Inter-|   Receive\n face |bytes\n    lo: 11 1 0 0 0 0 0 0 11 1 0 0 0 0 0 0\n  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n')
    put('proc/self/mounts', `rootfs / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/x ${dir.dir.replace(/ /g, '\\040')} ext4 rw 0 0\n/dev/y /no/such/mount ext4 rw 0 0\n`)
    put('sys/class/hwmon/hwmon0/name', 'coretemp\n')
    put('sys/class/hwmon/hwmon0/temp1_input', '48000\n')
    put('sys/class/hwmon/hwmon0/temp1_label', 'Package id 0\n')
    put('sys/class/hwmon/hwmon0/temp2_input', '47500\n')
    put('sys/class/hwmon/hwmon0/temp2_label', 'Core 0\n')
  })
  afterAll(() => dir.cleanup())

  it('cpu since boot, then since the previous reading; memory in bytes; interfaces; mounts; temperatures', async () => {
    const source = linuxSource(dir.dir)
    expect(await source.cpuLoad()).toEqual({ total: 0.2, perCpu: [0.2, 0.2] })
    put('proc/stat', 'cpu  200 0 200 800 100 0 0 0 0 0\ncpu0 150 0 50 350 50 0 0 0 0 0\ncpu1 50 0 150 450 50 0 0 0 0 0\n')
    expect(await source.cpuLoad()).toEqual({ total: 0.6667, perCpu: [1, 0.5] })
    expect(await source.memory()).toEqual({ total: 8000 * 1024, available: 5000 * 1024, used: 3000 * 1024 })
    expect(await source.network()).toEqual([
      { iface: 'lo', rxBytes: 11, txBytes: 11 },
      { iface: 'eth0', rxBytes: 1000, txBytes: 2000 },
    ])
    const mounts = (await source.filesystems()).map((f) => f.mount)
    expect(mounts).toEqual(['/', '/proc', dir.dir]) // the missing mount is left out, as df leaves it out
    expect(await source.temperatures()).toEqual([
      { sensor: 'main', celsius: 48 },
      { sensor: 'socket0', celsius: 48 },
      { sensor: 'core0', celsius: 47.5 },
    ])
  })
})
