import { appendFile, open, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readLines } from '../../../agent/inputs/tail/read-lines.js'
import { tempDir } from '../../helpers/temp.js'

describe('readLines', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  beforeEach(async () => (dir = await tempDir()))
  afterEach(() => dir.cleanup())

  const read = async (path: string, offset: number, opts: Partial<Parameters<typeof readLines>[2]> = {}) => {
    const handle = await open(path, 'r')
    try {
      return await readLines(handle, offset, { maxLineBytes: 1024, budget: 1 << 20, final: false, ...opts })
    } finally {
      await handle.close()
    }
  }

  it('returns complete lines only and leaves a partial last line until its newline arrives', async () => {
    const path = join(dir.dir, 'a.log')
    await writeFile(path, 'one\r\ntwo\n\nthr')
    const first = await read(path, 0)
    expect(first).toEqual({ lines: [{ text: 'one', truncated: false }, { text: 'two', truncated: false }], offset: 10 })
    await appendFile(path, 'ee\n')
    expect(await read(path, first.offset)).toEqual({ lines: [{ text: 'three', truncated: false }], offset: 16 })
    await appendFile(path, 'tail without newline')
    expect((await read(path, 16)).lines).toEqual([])
    expect(await read(path, 16, { final: true })).toEqual({ lines: [{ text: 'tail without newline', truncated: false }], offset: 36 })
  })

  it('cuts a line longer than maxLineBytes on a character boundary and reads past the rest of it', async () => {
    const path = join(dir.dir, 'b.log')
    const long = 'é'.repeat(600_000) // 1.2 MB, two bytes per character
    await writeFile(path, `${long}\nafter\n`)
    const result = await read(path, 0, { maxLineBytes: 1001, budget: 4 << 20 })
    expect(result.lines[0]).toEqual({ text: 'é'.repeat(500), truncated: true })
    expect(result.lines[1]).toEqual({ text: 'after', truncated: false })
    expect(result.offset).toBe(1_200_000 + 7)
  })

  it('stops after the line that spends the budget, so a huge file is taken a slice at a time', async () => {
    const path = join(dir.dir, 'c.log')
    await writeFile(path, Array.from({ length: 100 }, (_, k) => `line-${String(k).padStart(3, '0')}`).join('\n') + '\n')
    const first = await read(path, 0, { budget: 45 })
    expect(first.lines.map((l) => l.text)).toEqual(['line-000', 'line-001', 'line-002', 'line-003', 'line-004'])
    const second = await read(path, first.offset, { budget: 18 })
    expect(second.lines.map((l) => l.text)).toEqual(['line-005', 'line-006'])
  })
})
