// The OpenAPI description covers every /v1 route the hub registers (a route added without a description fails
// here), its bodies come from the zod schemas that validate them, and /docs serves its page and assets itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir } from '../../helpers/temp.js'
import { v1Operations } from '../../../hub/api/openapi/document.js'
import { ROUTE_DOCS } from '../../../hub/api/openapi/route-docs.js'

let hub: TestHub
let cleanup: () => Promise<void>

describe('OpenAPI description and /docs', () => {
  beforeAll(async () => {
    const tmp = await tempDir('outpost-openapi-')
    cleanup = tmp.cleanup
    hub = await startTestHub(tmp.dir)
  })
  afterAll(async () => {
    await hub?.stop()
    await cleanup?.()
  })

  it('describes every registered /v1 route, each with its own summary, without a token', async () => {
    const res = await fetch(`${hub.apiUrl}/v1/openapi.json`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as any
    expect(doc.openapi).toBe('3.1.0')
    const registered = v1Operations(hub.hub.api!.routes)
    expect(registered.length).toBeGreaterThan(30)
    const missing = registered.filter(({ method, path }) => !doc.paths[path]?.[method.toLowerCase()])
    expect(missing).toEqual([])
    const undocumented = registered.filter(({ method, path }) => !ROUTE_DOCS[`${method} ${path}`]).map(({ method, path }) => `${method} ${path}`)
    expect(undocumented, 'add these routes to hub/api/openapi/route-docs.ts').toEqual([])
    // And nothing documented that no longer exists.
    const stale = Object.keys(ROUTE_DOCS).filter((k) => !registered.some(({ method, path }) => `${method} ${path}` === k))
    expect(stale).toEqual([])
  })

  it('takes request bodies from the validating zod schemas', async () => {
    const doc = (await (await fetch(`${hub.apiUrl}/v1/openapi.json`)).json()) as any
    const token = doc.paths['/v1/tokens'].post.requestBody.content['application/json'].schema
    expect(token.properties.role.enum).toEqual(['viewer', 'operator', 'admin'])
    expect(token.additionalProperties).toBe(false)
    const rule = doc.paths['/v1/rules'].post.requestBody.content['application/json'].schema
    expect(JSON.stringify(rule)).toContain('threshold')
    expect(doc.paths['/v1/devices/{id}'].get.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }])
  })

  it('serves the reference page and its assets from the hub', async () => {
    const page = await fetch(`${hub.apiUrl}/docs`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).not.toMatch(/https?:\/\//)
    for (const asset of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
      const res = await fetch(`${hub.apiUrl}${asset}`)
      expect(res.status, asset).toBe(200)
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(10)
    }
  })
})
