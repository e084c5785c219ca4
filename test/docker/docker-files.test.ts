import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { parse as parseYaml } from 'yaml'
import { isValidDeviceId } from '../../protocol/ids.js'
import { OUTPOST_BIN, runOutpost, spawnOutpost, type Proc } from '../helpers/processes.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { makeCa, makeCert } from '../security/test-ca.js'

// No Docker engine runs where this project is developed, so the images are checked by parts instead:
// each command the Dockerfiles and compose.yaml rely on is run or resolved against the real build.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const TOKEN = 'docker-test-admin-token-0123456789'

interface Instruction {
  keyword: string
  args: string
  stage: number
}

/** Dockerfile instructions with line continuations joined and comments dropped; FROM starts a new stage. */
function parseDockerfile(text: string): Instruction[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n')
  const out: Instruction[] = []
  let stage = -1
  for (const line of lines.map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!
    if (keyword.toUpperCase() === 'FROM') stage++
    out.push({ keyword: keyword.toUpperCase(), args: args.trim(), stage })
  }
  return out
}

/** The JSON (exec) form of CMD, ENTRYPOINT or HEALTHCHECK CMD; the shell form is not used here. */
function execForm(args: string): string[] {
  const json = args.replace(/^(--\S+\s+)*CMD\s+/, '')
  return JSON.parse(json) as string[]
}

/** Runs an exec-form healthcheck the way Docker does (in WORKDIR, with the container's env); returns its exit code. */
function runHealthcheck(command: string[], env: Record<string, string>): Promise<number | null> {
  expect(command[0]).toBe('node')
  const child = spawn(process.execPath, command.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' })
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve(code))))
}

const helpCache = new Map<string, Promise<{ code: number | null; output: string }>>()
const help = (command: string) => {
  // Whitespace collapsed, since commander wraps `env OUTPOST_…` across lines.
  if (!helpCache.has(command)) helpCache.set(command, runOutpost([command, '--help']).then((r) => ({ ...r, output: r.output.replace(/\s+/g, ' ') })))
  return helpCache.get(command)!
}

beforeAll(() => {
  if (!existsSync(OUTPOST_BIN)) throw new Error(`${relative(ROOT, OUTPOST_BIN)} is missing: run \`npm run build\` first (\`npm test\` does)`)
})

const images = { hub: 'docker/hub.Dockerfile', agent: 'docker/agent.Dockerfile' } as const

describe.each(Object.entries(images))('%s image (%s)', (command, path) => {
  const steps = parseDockerfile(read(path))
  const build = steps.filter((s) => s.stage === 0)
  const runtime = steps.filter((s) => s.stage === 1)
  const last = (keyword: string) => runtime.filter((s) => s.keyword === keyword).at(-1)?.args ?? ''
  const runs = build.filter((s) => s.keyword === 'RUN').map((s) => s.args)

  it('has a build stage and a runtime stage, both on node:20-slim', () => {
    expect(steps.filter((s) => s.keyword === 'FROM').map((s) => s.args)).toEqual(['node:20-slim AS build', 'node:20-slim'])
  })

  it('installs from the lockfile, builds, and drops dev dependencies, using scripts package.json has', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
    expect(runs.join('\n')).toMatch(/npm ci\b/)
    expect(runs.join('\n')).toMatch(/npm run build\b/)
    expect(runs.join('\n')).toMatch(/npm prune --omit=dev\b/)
    for (const [, script] of runs.join('\n').matchAll(/npm run (\S+)/g)) expect(Object.keys(pkg.scripts)).toContain(script)
  })

  it('copies into the build stage every source the build compiles, from paths that exist and Docker does not ignore', () => {
    const copied = build.filter((s) => s.keyword === 'COPY').flatMap((s) => s.args.split(/\s+/).slice(0, -1))
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    for (const src of copied) {
      expect(existsSync(join(ROOT, src)), `${src} exists`).toBe(true)
      expect(ignored.filter((pattern) => src === pattern || src.startsWith(pattern + '/')), `${src} ignored`).toEqual([])
    }
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { extends: string; include: string[] }
    // `npm run build` also bundles the console (console/vite.config.ts) into dist/console.
    const needed = ['package.json', 'package-lock.json', 'tsconfig.build.json', buildConfig.extends.replace(/^\.\//, ''), ...buildConfig.include, 'console']
    expect(copied).toEqual(expect.arrayContaining(needed))
  })

  it('ships only the build output, production node_modules and package.json, and runs as `node` with /data as its volume', () => {
    const fromBuild = runtime.filter((s) => s.keyword === 'COPY' && s.args.startsWith('--from=build'))
    expect(fromBuild.map((s) => s.args.split(/\s+/).at(-1))).toEqual(['./package.json', './node_modules', './dist'])
    expect(last('USER')).toBe('node')
    expect(last('VOLUME')).toBe('["/data"]')
    expect(runtime.find((s) => s.keyword === 'ENV')?.args).toMatch(/\bOUTPOST_DATA=\/data\b/)
    const prepare = runtime.filter((s) => s.keyword === 'RUN').map((s) => s.args).join('\n')
    expect(prepare).toMatch(/chown node:node \/data/)
    expect(prepare).toMatch(/chmod 0700 \/data/)
  })

  it(`starts the built CLI with the real \`${command}\` command`, async () => {
    expect(execForm(last('ENTRYPOINT'))).toEqual(['node', 'dist/cli/outpost.js'])
    expect(existsSync(join(ROOT, 'dist/cli/outpost.js'))).toBe(true)
    expect(execForm(last('CMD'))).toEqual([command])
    expect((await help(command)).code).toBe(0)
  })

  it('sets only environment variables the command accepts', async () => {
    const names = [...runtime.filter((s) => s.keyword === 'ENV').map((s) => s.args).join(' ').matchAll(/\b(OUTPOST_\w+)=/g)].map((m) => m[1])
    expect(names.length).toBeGreaterThan(0)
    const { output } = await help(command)
    for (const name of names) expect(output, name).toContain(`env ${name}`)
  })
})

describe('npm ci in a fresh clone', () => {
  it('finds every dependency of every locked package in package-lock.json (else npm ci refuses to run)', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dependencies?: object; optionalDependencies?: object; devDependencies?: object }> }
    const locked = (from: string, name: string) => {
      // Node's lookup: node_modules/<name> beside `from`, then in each parent up to the root.
      for (let dir = from; ; dir = dir.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, '')) {
        if (lock.packages[`${dir ? dir + '/' : ''}node_modules/${name}`]) return true
        if (!dir) return false
      }
    }
    const missing: string[] = []
    for (const [path, entry] of Object.entries(lock.packages)) {
      const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...(path === '' ? entry.devDependencies : {}) }
      for (const name of Object.keys(deps)) if (!locked(path, name)) missing.push(`${name} (needed by ${path || 'the root'})`)
    }
    expect(missing).toEqual([])
  })

  it('removes dist/bench in the image', () => {
    for (const file of ['docker/hub.Dockerfile', 'docker/agent.Dockerfile']) expect(read(file)).toContain('rm -rf dist/bench')
  })

  it('keeps every package the built code imports in "dependencies", so `npm prune --omit=dev` leaves it in the image', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> }
    // dist/bench is removed in the image (benchmarks run from a full checkout with dev dependencies).
    const files = readdirSync(join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') && !f.startsWith('bench'))
    const imported = new Set<string>()
    for (const file of files) {
      // TypeScript's own scanner finds static, re-exported and dynamic imports alike.
      for (const { fileName: spec } of ts.preProcessFile(read(join('dist', file)), true, true).importedFiles) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue
        imported.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'))
      }
    }
    expect(imported.size).toBeGreaterThan(0)
    expect([...imported].filter((name) => !(name in pkg.dependencies))).toEqual([])
  })
})

describe('compose.yaml', () => {
  const compose = parseYaml(read('docker/compose.yaml'), { merge: true }) as {
    services: Record<string, { build: { context: string; dockerfile: string }; environment: Record<string, string>; ports?: string[]; volumes: string[]; depends_on?: Record<string, { condition: string }> }>
    volumes: Record<string, unknown>
  }
  const services = compose.services
  /** The CLI command a service runs: the CMD of the Dockerfile it builds. */
  const commandOf = (name: string) => {
    const build = services[name].build
    const dockerfile = join(resolve(ROOT, 'docker', build.context), build.dockerfile)
    return execForm(parseDockerfile(readFileSync(dockerfile, 'utf8')).filter((s) => s.keyword === 'CMD').at(-1)!.args)[0]
  }

  it('runs a hub and two agents, each built from a Dockerfile in this repo with the repo root as context', () => {
    expect(Object.keys(services).sort()).toEqual(['agent-1', 'agent-2', 'hub'])
    for (const [name, service] of Object.entries(services)) {
      expect(resolve(ROOT, 'docker', service.build.context), name).toBe(resolve(ROOT))
      expect(existsSync(join(ROOT, service.build.dockerfile)), name).toBe(true)
    }
    expect(commandOf('hub')).toBe('hub')
    expect(commandOf('agent-1')).toBe('agent')
    expect(commandOf('agent-2')).toBe('agent')
  })

  it('sets only OUTPOST_* variables the service command accepts', async () => {
    for (const name of Object.keys(services)) {
      const { output } = await help(commandOf(name))
      const vars = Object.keys(services[name].environment)
      expect(vars.length).toBeGreaterThan(0)
      for (const v of vars) expect(output, `${name}: ${v}`).toContain(`env ${v}`)
    }
  })

  it('requires OUTPOST_ADMIN_TOKEN from the environment and publishes MQTT and the API', () => {
    expect(services.hub.environment.OUTPOST_ADMIN_TOKEN).toMatch(/^\$\{OUTPOST_ADMIN_TOKEN:\?set OUTPOST_ADMIN_TOKEN\b[^}]*\}$/)
    expect(services.hub.ports).toEqual([`1883:${services.hub.environment.OUTPOST_MQTT_PORT}`, `8080:${services.hub.environment.OUTPOST_HTTP_PORT}`])
  })

  it('points each agent, under its own valid device id, at the hub, once the hub is healthy', () => {
    const ids = ['agent-1', 'agent-2'].map((name) => {
      const agent = services[name]
      expect(agent.environment.OUTPOST_HUB).toBe(`mqtt://hub:${services.hub.environment.OUTPOST_MQTT_PORT}`)
      expect(agent.depends_on).toEqual({ hub: { condition: 'service_healthy' } })
      expect(isValidDeviceId(agent.environment.OUTPOST_ID)).toBe(true)
      // Its device token comes from the environment (issue 7: the hub requires credentials).
      expect(agent.environment.OUTPOST_TOKEN).toBe(`\${OUTPOST_${name.replace('-', '_').toUpperCase()}_TOKEN:-}`)
      return agent.environment.OUTPOST_ID
    })
    expect(new Set(ids).size).toBe(2)
  })

  it('keeps each data dir in its own declared named volume, mounted where OUTPOST_DATA points', () => {
    const mounts = Object.values(services).map((s) => s.volumes.map((v) => v.split(':')))
    for (const [name, service] of Object.entries(services)) expect(service.volumes, name).toEqual([`${name}-data:${service.environment.OUTPOST_DATA}`])
    expect(Object.keys(compose.volumes).sort()).toEqual(mounts.flat().map(([volume]) => volume).sort())
  })
})

describe('healthchecks, run against real processes', () => {
  const healthcheck = (path: string) => execForm(parseDockerfile(read(path)).find((s) => s.keyword === 'HEALTHCHECK')!.args)
  let dir: { dir: string; cleanup: () => Promise<void> }
  const procs: Proc[] = []

  beforeAll(async () => {
    dir = await tempDir('outpost-docker-test-')
  })

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()))
    await dir?.cleanup()
  })

  it('hub: exits 0 while the hub serves /healthz and 1 once nothing listens on its port', async () => {
    const hub = spawnOutpost(['hub', '--host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--data', join(dir.dir, 'hub')], { OUTPOST_ADMIN_TOKEN: TOKEN })
    procs.push(hub)
    const [, port] = await hub.waitFor(/API on http:\/\/127\.0\.0\.1:(\d+)/)
    const check = healthcheck(images.hub)
    expect(await runHealthcheck(check, { OUTPOST_HTTP_PORT: port })).toBe(0)
    await hub.stop()
    expect(await runHealthcheck(check, { OUTPOST_HTTP_PORT: port })).toBe(1)
  })

  it('hub with TLS: the healthcheck speaks HTTPS to it', async () => {
    const ca = makeCa(dir.dir)
    const cert = makeCert(dir.dir, ca, 'hub', 'hub.example', true)
    const tls = { OUTPOST_TLS_CERT: cert.cert, OUTPOST_TLS_KEY: cert.key }
    const hub = spawnOutpost(['hub', '--host', '127.0.0.1', '--http-port', '0', '--data', join(dir.dir, 'tls-hub')], { OUTPOST_ADMIN_TOKEN: TOKEN, OUTPOST_TLS_MQTT_PORT: '0', ...tls })
    procs.push(hub)
    const [, port] = await hub.waitFor(/API on https:\/\/127\.0\.0\.1:(\d+)/)
    const check = healthcheck(images.hub)
    expect(await runHealthcheck(check, { OUTPOST_HTTP_PORT: port, ...tls })).toBe(0)
    expect(await runHealthcheck(check, { OUTPOST_HTTP_PORT: port })).toBe(1) // plain HTTP to an HTTPS port
    await hub.stop()
  })

  it('agent: exits 0 while an agent (offline here) keeps writing its buffer, and 1 for a stale, empty or missing data dir', async () => {
    const data = join(dir.dir, 'agent')
    const check = healthcheck(images.agent)
    expect(await runHealthcheck(check, { OUTPOST_DATA: data })).toBe(1)
    mkdirSync(data)
    expect(await runHealthcheck(check, { OUTPOST_DATA: data })).toBe(1)
    // Nothing listens on port 9 of 127.0.0.1: the agent buffers and retries, as it would with the hub down.
    const agent = spawnOutpost(['agent', '--hub', 'mqtt://127.0.0.1:9', '--id', 'docker-test', '--interval', '1s', '--data', data])
    procs.push(agent)
    await waitFor(async () => (await runHealthcheck(check, { OUTPOST_DATA: data })) === 0, 15_000, 'the agent healthcheck to pass')
    await agent.stop()
    // Two minutes without a write is past the limit (3 intervals, at least 60s).
    const old = new Date(Date.now() - 120_000)
    for (const file of readdirSync(data)) utimesSync(join(data, file), old, old)
    expect(await runHealthcheck(check, { OUTPOST_DATA: data })).toBe(1)
  })
})
