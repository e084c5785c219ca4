// A throwaway PostgreSQL 15 (Debian's postgresql-15) for the cluster section: initdb in a temp dir, the postmaster
// on a free loopback port; as test/helpers/postgres.ts, which bench/ may not import.
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer } from 'node:net'
import { join } from 'node:path'

const BIN = process.env.OUTPOST_PG_BIN ?? '/usr/lib/postgresql/15/bin'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Starts PostgreSQL in a temp dir of its own (its user must reach it); answers its URL (database `outpost`) and a stop function that removes it. */
export async function startPostgres(maxConnections = 100): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-pg-'))
  const port = await freePort()
  const root = process.getuid?.() === 0
  const as = root ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : undefined
  const home = join(dir, 'pg')
  mkdirSync(home, { recursive: true })
  chmodSync(dir, 0o755)
  if (as) chownSync(home, as.uid, as.gid)
  const data = join(home, 'data')
  execFileSync(join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'outpost', '-E', 'UTF8', '--locale=C', '--no-sync'], { stdio: 'pipe', ...as })
  const proc = spawn(join(BIN, 'postgres'), ['-D', data, '-p', String(port), '-k', home, '-c', 'listen_addresses=127.0.0.1', '-c', `max_connections=${maxConnections}`], { stdio: ['ignore', 'pipe', 'pipe'], ...as })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`postgres did not start:\n${out}`)), 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      if (/ready to accept connections/.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', onData)
  })
  execFileSync(join(BIN, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'outpost', '-d', 'postgres', '-c', 'CREATE DATABASE outpost'], { stdio: 'pipe' })
  return {
    url: `postgres://outpost@127.0.0.1:${port}/outpost`,
    stop: () =>
      new Promise((resolve) => {
        proc.once('exit', () => {
          rmSync(dir, { recursive: true, force: true })
          resolve()
        })
        proc.kill('SIGINT')
      }),
  }
}
