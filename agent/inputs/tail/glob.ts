import { readdir, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

const GLOB_CHARS = /[*?[]/

/** A path glob split into its literal directory and a pattern for the file name. */
export interface CompiledGlob {
  dir: string
  name: RegExp
}

/**
 * Compiles a path glob. Wildcards (`*`, `?`, `[abc]`) are allowed in the file name only: the directory is literal,
 * so finding matches is one readdir, cheap enough to repeat every poll.
 */
export function compileGlob(pattern: string): CompiledGlob {
  const dir = dirname(pattern)
  if (GLOB_CHARS.test(dir)) throw new Error('wildcards are allowed in the file name only, not in directories')
  let source = ''
  for (const ch of basename(pattern)) {
    if (ch === '*') source += '[^/]*'
    else if (ch === '?') source += '[^/]'
    else if (ch === '[' || ch === ']') source += ch
    else source += ch.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  let name: RegExp
  try {
    name = new RegExp(`^${source}$`)
  } catch {
    throw new Error('not a valid glob')
  }
  return { dir, name }
}

/** The regular files matching the glob now, sorted; none when the directory does not exist (yet). */
export async function globFiles(glob: CompiledGlob): Promise<string[]> {
  const names = await readdir(glob.dir).catch(() => [] as string[])
  const out: string[] = []
  for (const name of names.filter((n) => glob.name.test(n)).sort()) {
    const path = join(glob.dir, name)
    if (await stat(path).then((s) => s.isFile(), () => false)) out.push(path)
  }
  return out
}
