import { readdir, readFile } from 'node:fs/promises'
import { platform } from 'node:os'
import { basename } from 'node:path'

/** One running process as the check sees it. */
export interface ProcessInfo {
  pid: number
  /** Executable name: `/proc/<pid>/comm` on Linux (the kernel cuts it to 15 characters). */
  name: string
  /** Full command line, arguments joined by spaces. */
  cmdline: string
}

/** Lists running processes; tests may swap in a fake. */
export type ProcessSource = () => Promise<ProcessInfo[]>

/** /proc on Linux (cheap, no child processes); systeminformation elsewhere. */
export function defaultProcessSource(): ProcessSource {
  return platform() === 'linux' ? procfsProcesses : systeminformationProcesses
}

export async function procfsProcesses(): Promise<ProcessInfo[]> {
  const entries = await readdir('/proc')
  const found = await Promise.all(
    entries.filter((e) => /^\d+$/.test(e)).map(async (pid): Promise<ProcessInfo | undefined> => {
      try {
        const [comm, cmdline] = await Promise.all([readFile(`/proc/${pid}/comm`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')])
        return { pid: Number(pid), name: comm.trim(), cmdline: cmdline.split('\0').filter(Boolean).join(' ') }
      } catch {
        return undefined // the process ended between readdir and read
      }
    }),
  )
  return found.filter((p): p is ProcessInfo => p !== undefined)
}

async function systeminformationProcesses(): Promise<ProcessInfo[]> {
  const si = await import('systeminformation')
  const { list } = await si.processes()
  return list.map((p) => ({ pid: p.pid, name: basename(p.name), cmdline: [p.command, p.params].filter(Boolean).join(' ') }))
}
