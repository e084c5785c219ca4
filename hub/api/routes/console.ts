import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { Hono } from 'hono'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
}
// Everything the console loads comes from this hub: no CDN, nothing fetched from elsewhere at run time.
const CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

interface Asset {
  body: Buffer
  gzip?: Buffer
  type: string
  immutable: boolean
}

/** The built console: `dist/console` of the package this file belongs to (source or compiled). */
export function defaultConsoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir)
  return join(dir, 'dist', 'console')
}

function loadAssets(root: string): Map<string, Asset> {
  const out = new Map<string, Asset>()
  if (!existsSync(join(root, 'index.html'))) return out
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else {
        const body = readFileSync(path)
        const type = TYPES[extname(name)] ?? 'application/octet-stream'
        const rel = relative(root, path).split(sep).join('/')
        // Vite names built assets by content hash (assets/index-3f2a….js): they never change under one name.
        out.set(rel, { body, type, immutable: rel.startsWith('assets/'), gzip: /text|javascript|svg|json/.test(type) && body.length > 1024 ? gzipSync(body) : undefined })
      }
    }
  }
  walk(root)
  return out
}

/** `GET /` (the console's page) and `GET /ui/*` (its assets), from the build `npm run build` makes (docs/console.md). */
export function consoleRoutes(root = defaultConsoleDir()) {
  const assets = loadAssets(root)
  const serve = (asset: Asset, acceptEncoding: string | undefined) => {
    const headers: Record<string, string> = {
      'content-type': asset.type,
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    }
    if (asset.type.startsWith('text/html')) headers['content-security-policy'] = CSP
    if (asset.gzip && /\bgzip\b/.test(acceptEncoding ?? '')) {
      headers['content-encoding'] = 'gzip'
      return new Response(new Uint8Array(asset.gzip), { headers })
    }
    return new Response(new Uint8Array(asset.body), { headers })
  }
  return new Hono()
    .get('/', (c) => {
      const index = assets.get('index.html')
      if (!index) return c.text('The console is not built: run `npm run build` (docs/console.md).\n', 503)
      return serve(index, c.req.header('accept-encoding'))
    })
    .get('/ui/*', (c) => {
      const asset = assets.get(c.req.path.slice('/ui/'.length))
      if (!asset) return c.json({ error: { code: 'not_found', message: `no console asset ${c.req.path}` } }, 404)
      return serve(asset, c.req.header('accept-encoding'))
    })
}
