// `npm test` type-checks tests and benchmarks too (tsconfig.json includes test/ and bench/): a type error in a test
// file fails the run instead of hiding behind vitest's type-stripping transform.
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')
const tsc = join(root, 'node_modules/.bin/tsc')

const temp = await tempDir('outpost-typecheck-')
afterAll(() => temp.cleanup())

describe('type-checked tests', () => {
  it('tsconfig.json covers test/ and bench/, and npm test runs the type check', async () => {
    const tsconfig = JSON.parse(await readFile(join(root, 'tsconfig.json'), 'utf8')) as { include: string[] }
    expect(tsconfig.include).toEqual(expect.arrayContaining(['test', 'bench']))
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts.test).toContain('npm run typecheck')
    expect(pkg.scripts.test).toContain('npm run lint:imports')
  })

  it('the project settings reject a purpose-made type error in a test file', async () => {
    const file = join(temp.dir, 'wrong.test.ts')
    await writeFile(file, "const n: number = 'not a number'\nexport { n }\n")
    await writeFile(
      join(temp.dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.json'),
        compilerOptions: { rootDir: temp.dir, noEmit: true, typeRoots: [join(root, 'node_modules/@types')] },
        include: [file],
      }),
    )
    const out = await run(tsc, ['-p', join(temp.dir, 'tsconfig.json')]).catch((err: { stdout: string; code: number }) => err)
    expect('code' in out ? out.code : 0).not.toBe(0)
    expect(String(out.stdout)).toMatch(/wrong\.test\.ts.*TS2322/)
  }, 60_000)
})
