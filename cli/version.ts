import { readFileSync } from 'node:fs'

/** The package's version, read from package.json whether running from source (cli/) or the build (dist/cli/). */
export function packageVersion(): string {
  // The bundled agent (dist/outpost-agent.mjs) has its version built in; it may run far from any package.json.
  if (process.env.OUTPOST_BUILD_VERSION) return process.env.OUTPOST_BUILD_VERSION
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string }
      if (pkg.name === 'outpost') return pkg.version
    } catch {}
  }
  return '0.0.0'
}
