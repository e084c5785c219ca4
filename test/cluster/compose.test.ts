import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { resolveSettings } from '../../cli/config.js'
import { hubSettings, type HubSettings } from '../../cli/hub-settings.js'

const DOCKER = fileURLToPath(new URL('../../docker/', import.meta.url))

/** Compose's `${VAR:?message}` and `${VAR:-default}` as `docker compose` would expand them with `vars` set. */
function expand(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::[?-][^}]*)?\}/g, (_, name: string) => vars[name] ?? '')
}

// docker/cluster.compose.yaml cannot be run here (no Docker engine): what can be checked is (docs/cluster.md).
describe('docker/cluster.compose.yaml and docker/haproxy.cfg', () => {
  const compose = parse(readFileSync(`${DOCKER}cluster.compose.yaml`, 'utf8'), { merge: true })
  const hubs = Object.keys(compose.services).filter((name) => name.startsWith('hub-'))

  it('three hubs, each environment a valid hub configuration on the PostgreSQL store and the Redis of the file', () => {
    expect(hubs).toEqual(['hub-1', 'hub-2', 'hub-3'])
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'haproxy']))
    const vars = { OUTPOST_ADMIN_TOKEN: '0123456789abcdef0123', POSTGRES_PASSWORD: 'secret' }
    for (const name of hubs) {
      const env = Object.fromEntries(Object.entries(compose.services[name].environment as Record<string, string>).map(([k, v]) => [k, expand(String(v), vars)]))
      const settings = resolveSettings<HubSettings>(hubSettings, {}, env)
      expect(settings).toMatchObject({ store: 'postgres://outpost:secret@postgres:5432/outpost', cluster: 'redis://redis:6379', proxyProtocol: true, host: '0.0.0.0' })
      expect(compose.services[name].depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
    }
  })

  it('HAProxy accepts its configuration, and balances MQTT (PROXY v2) and the API over the three hubs', () => {
    // Exit status 0 means valid; the hub names resolve only inside compose, which haproxy -c reports as a warning.
    execFileSync('haproxy', ['-c', '-f', `${DOCKER}haproxy.cfg`], { stdio: 'pipe' })
    const cfg = readFileSync(`${DOCKER}haproxy.cfg`, 'utf8')
    for (const name of hubs) {
      expect(cfg).toContain(`server ${name} ${name}:1883`)
      expect(cfg).toContain(`server ${name} ${name}:8080`)
    }
    expect(cfg).toMatch(/default-server send-proxy-v2/)
    expect(compose.services.haproxy.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro')
  })
})
