// A real PostgreSQL 15 (Debian's postgresql-15) for the cluster tests: initdb in a temp dir, the postmaster as a
// child process on a free loopback port, trust auth for one user. PostgreSQL refuses to run as root, so under root
// the server runs as the `postgres` user the Debian package creates.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from './redis.js'

const BIN = process.env.OUTPOST_PG_BIN ?? '/usr/lib/postgresql/15/bin'
const USER = 'outpost'

export interface PostgresServer {
  port: number
  /** `postgres://outpost@127.0.0.1:PORT/DB` for a database made with `createDatabase` (default `outpost`). */
  url(database?: string): string
  createDatabase(name: string): Promise<void>
  /** Starts (again) on the same port and data dir. */
  start(): Promise<void>
  /** Fast shutdown (SIGINT): clients are disconnected, nothing is lost. */
  stop(): Promise<void>
  /** kill -9 of the postmaster: no goodbye, crash recovery at the next start. */
  kill(): Promise<void>
}

/** The uid/gid the server runs as: ours, or the `postgres` user's when we are root. */
function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid }
}

/** PostgreSQL with its data and socket under `dir` (a fresh temp dir), started, with the database `outpost`. */
export async function postgresServer(dir: string): Promise<PostgresServer> {
  const as = owner()
  const home = join(dir, 'pg')
  mkdirSync(home, { recursive: true })
  // The temp dir is 0700 and root's: the server's user must reach its data dir and socket dir inside it.
  chmodSync(dir, 0o755)
  if (as) chownSync(home, as.uid, as.gid)
  const data = join(home, 'data')
  execFileSync(join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', USER, '-E', 'UTF8', '--locale=C', '--no-sync'], {
    stdio: 'pipe',
    ...as,
  })
  let child: ChildProcess | undefined
  // Chosen after initdb, and again if another process binds it before the server does (a busy machine's outgoing
  // connections take ephemeral ports too); a restart keeps it, as the hubs under test hold its URL.
  let port = await freePort()

  const server: PostgresServer = {
    get port() {
      return port
    },
    url: (database = 'outpost') => `postgres://${USER}@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      await psql(port, 'postgres', `CREATE DATABASE "${name}"`)
    },
    async start() {
      const args = ['-D', data, '-p', String(port), '-k', home, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200']
      const proc = (child = spawn(join(BIN, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...as }))
      let out = ''
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`postgres did not start:\n${out}`)), 60_000)
        const onData = (d: Buffer) => {
          out += d.toString()
          if (/database system is ready to accept connections/.test(out)) {
            clearTimeout(timer)
            resolve()
          }
        }
        proc.stdout!.on('data', onData)
        proc.stderr!.on('data', onData)
        proc.once('exit', (code) => {
          clearTimeout(timer)
          reject(new Error(`postgres exited (${code}):\n${out}`))
        })
      })
    },
    stop: () => signal('SIGINT'),
    kill: () => signal('SIGKILL'),
  }

  async function signal(sig: NodeJS.Signals): Promise<void> {
    const proc = child
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill(sig)
    await exited
  }

  for (let attempt = 1; ; attempt++) {
    try {
      await server.start()
      break
    } catch (err) {
      if (attempt >= 5 || !/could not bind|already in use/i.test((err as Error).message)) throw err
      port = await freePort()
    }
  }
  await server.createDatabase('outpost')
  return server
}

/** Runs one SQL statement through `psql` (for setup; the code under test uses its own client). */
export async function psql(port: number, database: string, sql: string): Promise<string> {
  const proc = spawn(join(BIN, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', USER, '-d', database, '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve))
  if (code !== 0) throw new Error(`psql failed (${code}): ${err}`)
  return out.trim()
}
