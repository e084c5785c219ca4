// `npm run build` step 2: the agent as one file, dist/outpost-agent.mjs (docs/agent.md, "Install on a device").
// Everything is bundled but the native LevelDB binding (classic-level, loaded with node-gyp-build from its own
// folder) and cbor-x's optional native extension; a device installs those next to the file with npm.
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

await build({
  entryPoints: [new URL('../cli/outpost-agent.ts', import.meta.url).pathname],
  outfile: new URL('../dist/outpost-agent.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  external: ['classic-level', 'cbor-extract'],
  define: { 'process.env.OUTPOST_BUILD_VERSION': JSON.stringify(pkg.version) },
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: { js: "import { createRequire as __outpostRequire } from 'node:module'; const require = __outpostRequire(import.meta.url);" },
  logLevel: 'warning',
})
