import { spawn, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type RemoteSeries } from '../../bench/peers/remote-write.js'
import { waitFor } from './temp.js'

// A real Prometheus (Debian's 2.42) on a free loopback port with its remote-write receiver, for comparing answers.

export interface TestPrometheus {
  url: string
  write(series: RemoteSeries[]): Promise<void>
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function startPrometheus(dir: string): Promise<TestPrometheus> {
  const config = join(dir, 'prometheus.yml')
  await writeFile(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n')
  const port = await freePort()
  let output = ''
  const child: ChildProcess = spawn('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    '--storage.tsdb.retention.time=100y',
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)))
  child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)))
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${output}`)
    return (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) || undefined
  }, 60_000, 'Prometheus ready')
  return {
    url,
    async write(series) {
      const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeWriteRequest(series) })
      if (!res.ok) throw new Error(`Prometheus remote write answered ${res.status}: ${await res.text()}`)
    },
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
