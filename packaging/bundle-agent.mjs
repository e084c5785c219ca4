// `npm run build` step 2: the agent for devices, dist/outpost-agent.mjs and the folder dist/outpost-agent.chunks/
// beside it (docs/agent.md, "Install on a device"). ESM code splitting: what an agent loads only when configured
// or first used (the local listener's routes, OTLP protobuf types, the scrape parser, systeminformation off Linux)
// is in chunks of its own that a device never reads unless it needs them; V8 keeps the source text of every loaded
// file in its heap, so that is memory on every device (docs/agent.md, footprint).
// Everything is bundled but the native LevelDB binding (classic-level, loaded with node-gyp-build from its own
// folder) and cbor-x's optional native extension; a device installs those next to the file with npm.
import { readFileSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const dist = new URL('../dist/', import.meta.url).pathname
// Chunk names carry a hash: drop the previous build's so the folder holds only what this entry imports.
rmSync(`${dist}outpost-agent.chunks`, { recursive: true, force: true })

await build({
  entryPoints: { 'outpost-agent': new URL('../cli/outpost-agent.ts', import.meta.url).pathname },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'outpost-agent.chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  external: ['classic-level', 'cbor-extract'],
  alias: {
    // mqtt.js and bl use readable-stream, a copy of Node's streams for browsers (~80 KB of source): Node's own
    // stream module, loaded anyway, does the same here.
    'readable-stream': 'node:stream',
    // Browser-only timers mqtt.js requires at load (packaging/shims/worker-timers.mjs).
    'worker-timers': new URL('./shims/worker-timers.mjs', import.meta.url).pathname,
  },
  define: { 'process.env.OUTPOST_BUILD_VERSION': JSON.stringify(pkg.version) },
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: { js: "import { createRequire as __outpostRequire } from 'node:module'; const require = __outpostRequire(import.meta.url);" },
  logLevel: 'warning',
})
