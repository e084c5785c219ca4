import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Hono } from 'hono'

// The reference page at /docs: Swagger UI (swagger-ui-dist) with its assets served by the hub itself, no CDN,
// reading /v1/openapi.json. The assets are read once, when the routes are made.

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outpost hub API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`

const INIT = `window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true })`

export function docsPage(): Hono {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
  const css = readFileSync(join(dir, 'swagger-ui.css'))
  const bundle = readFileSync(join(dir, 'swagger-ui-bundle.js'))
  const cache = { 'cache-control': 'public, max-age=3600' }
  return new Hono()
    .get('/', (c) => c.html(PAGE))
    .get('/swagger-ui.css', (c) => c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', ...cache }))
    .get('/swagger-ui-bundle.js', (c) => c.body(bundle, 200, { 'content-type': 'text/javascript; charset=utf-8', ...cache }))
    .get('/init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }))
}
