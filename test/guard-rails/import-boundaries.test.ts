// The import-boundary rules (.dependency-cruiser.cjs) run on the real tree and on a purpose-made tree that breaks
// each rule once, so a rule that stopped matching would fail here rather than pass quietly.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')
const depcruise = join(root, 'node_modules/.bin/depcruise')
const config = join(root, '.dependency-cruiser.cjs')

interface Violation {
  rule: { name: string }
  from: string
  to: string
}

async function cruise(cwd: string, dirs: string[]): Promise<Violation[]> {
  const args = [...dirs, '--config', config, '--output-type', 'json']
  // depcruise exits non-zero when it finds errors; the JSON report is on stdout either way.
  const out = await run(depcruise, args, { cwd, maxBuffer: 64 << 20 }).catch((err: { stdout?: string }) => err)
  return (JSON.parse(String(out.stdout)) as { summary: { violations: Violation[] } }).summary.violations
}

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-bounds-'))
  dirs.push(dir)
  const all = { 'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }), ...files }
  for (const [path, text] of Object.entries(all)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), text)
  }
  return dir
}

describe('import boundaries', () => {
  it('the repository has no violation', async () => {
    const roots = ['protocol', 'kit', 'agent', 'hub', 'cli', 'bench'].filter((d) => existsSync(join(root, d)))
    expect(await cruise(root, roots)).toEqual([])
  }, 60_000)

  it.each([
    ['agent-not-to-hub', { 'agent/a.ts': "import { h } from '../hub/h.js'\nexport const a = h\n", 'hub/h.ts': 'export const h = 1\n' }],
    ['hub-not-to-agent', { 'hub/h.ts': "import { a } from '../agent/a.js'\nexport const h = a\n", 'agent/a.ts': 'export const a = 1\n' }],
    ['protocol-no-io', { 'protocol/p.ts': "import { readFileSync } from 'node:fs'\nexport const p = readFileSync\n" }],
    ['protocol-no-io', { 'protocol/p.ts': "import { a } from '../agent/a.js'\nexport const p = a\n", 'agent/a.ts': 'export const a = 1\n' }],
    ['protocol-no-io', { 'kit/k.ts': "import { createServer } from 'node:net'\nexport const k = createServer\n" }],
    ['storage-at-the-bottom', { 'hub/storage/s.ts': "import type { L } from '../logs/l.js'\nexport type S = L\n", 'hub/logs/l.ts': 'export type L = number\n' }],
    ['metric-encoding-pure', { 'hub/metrics/encoding/c.ts': "import type { S } from '../store/s.js'\nexport type C = S\n", 'hub/metrics/store/s.ts': 'export type S = number\n' }],
    ['metric-encoding-pure', { 'hub/metrics/encoding/c.ts': "import { Level } from 'level'\nexport const c = Level\n" }],
    ['metric-store-not-to-query', { 'hub/metrics/store/s.ts': "import { q } from '../query/q.js'\nexport const s = q\n", 'hub/metrics/query/q.ts': 'export const q = 1\n' }],
    ['no-circular', { 'hub/x.ts': "import { y } from './y.js'\nexport const x = () => y\n", 'hub/y.ts': "import { x } from './x.js'\nexport const y = () => x\n" }],
  ])('catches a purpose-made %s violation', async (rule, files) => {
    const dir = await tree(files as Record<string, string>)
    const found = await cruise(dir, ['protocol', 'kit', 'agent', 'hub'].filter((d) => Object.keys(files).some((f) => f.startsWith(d + '/'))))
    expect(found.map((v) => v.rule.name)).toContain(rule)
  }, 60_000)
})
