import { join } from 'node:path'
import mqtt from 'mqtt'
import { Hub } from '../hub/hub.js'
import { startBroker } from '../hub/broker.js'
import { hashSecret, scryptHash, verifyScrypt, verifySecret } from '../hub/security/token-hash.js'
import { randomBytes } from 'node:crypto'
import { topics } from '../protocol/topics.js'

const ADMIN = 'bench-admin-token-0123456789'

async function connectMany(url: string, ids: string[], password?: (id: string) => string): Promise<number> {
  const t = performance.now()
  for (let k = 0; k < ids.length; k += 20) {
    const clients = await Promise.all(
      ids.slice(k, k + 20).map((id) => mqtt.connectAsync(url, { clientId: id, username: id, password: password?.(id), reconnectPeriod: 0, keepalive: 30 })),
    )
    await Promise.all(clients.map((c) => c.endAsync(true)))
  }
  return ids.length / ((performance.now() - t) / 1000)
}

async function publishRate(url: string, id: string, n: number, password?: string): Promise<number> {
  const c = await mqtt.connectAsync(url, { clientId: id, username: id, password, reconnectPeriod: 0, keepalive: 30 })
  const payload = Buffer.alloc(512, 1)
  const t = performance.now()
  for (let k = 0; k < n; k += 64) {
    await Promise.all(Array.from({ length: Math.min(64, n - k) }, () => c.publishAsync(topics.cmdReply(id), payload, { qos: 1 })))
  }
  const rate = n / ((performance.now() - t) / 1000)
  await c.endAsync(true)
  return rate
}

/**
 * The cost of security: MQTT connects per second with credentials (HMAC-verified, first and again) against a hub without passwords, and QoS 1 publishes per second through the ACL and rate hooks
 * against a bare aedes without hooks, measured in the same run.
 */
export async function benchSecurity(dir: string): Promise<Record<string, number>> {
  const log = () => {}
  const hub = new Hub({ data: join(dir, 'secure'), host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: false, adminToken: ADMIN, maxBatchBytes: 1 << 20, compactInterval: 60_000,
    limits: { publishRate: 1e6, publishBytes: 1e9, connectAttemptsPerId: 1e6, connectAttemptsPerAddress: 1e6 }, log })
  const open = new Hub({ data: join(dir, 'open'), host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: true, adminToken: ADMIN, maxBatchBytes: 1 << 20, compactInterval: 60_000,
    limits: { publishRate: 1e6, publishBytes: 1e9, connectAttemptsPerId: 1e6, connectAttemptsPerAddress: 1e6 }, log })
  const bare = await startBroker({ host: '127.0.0.1', port: 0, maxPacketBytes: 1 << 20 })
  await hub.start()
  await open.start()
  try {
    const ids = Array.from({ length: 100 }, (_, k) => `bench-${k}`)
    const tokens = new Map<string, string>()
    for (const id of ids) tokens.set(id, await hub.credentials.addDevice(id, 'bench'))
    const secureUrl = `mqtt://127.0.0.1:${hub.mqttPort}`
    const firstConnects = await connectMany(secureUrl, ids, (id) => tokens.get(id)!)
    const cachedConnects = await connectMany(secureUrl, ids, (id) => tokens.get(id)!)
    const openConnects = await connectMany(`mqtt://127.0.0.1:${open.mqttPort}`, ids)
    // Token verification, before issue 15 (salted scrypt) and now (HMAC-SHA-256 under the hub secret), same run.
    const secret = 'x'.repeat(43)
    const stored = await scryptHash(secret)
    let t = performance.now()
    for (let k = 0; k < 20; k++) await verifyScrypt(secret, stored)
    const scryptMs = (performance.now() - t) / 20
    const key = randomBytes(32)
    const hmac = hashSecret(secret, key)
    t = performance.now()
    for (let k = 0; k < 100_000; k++) await verifySecret(secret, hmac, key)
    const hmacMs = (performance.now() - t) / 100_000
    const securePublish = await publishRate(secureUrl, 'bench-0', 20_000, tokens.get('bench-0'))
    const barePublish = await publishRate(`mqtt://127.0.0.1:${bare.port}`, 'bench-0', 20_000)
    return {
      'scrypt verify ms (before issue 15)': scryptMs,
      'HMAC verify ms': hmacMs,
      'scrypt vs HMAC verify': scryptMs / hmacMs,
      'connects/s, first (HMAC)': firstConnects,
      'connects/s, again': cachedConnects,
      'connects/s, no passwords': openConnects,
      'again vs no passwords': cachedConnects / openConnects,
      'QoS1 publishes/s, ACL + limits': securePublish,
      'QoS1 publishes/s, bare aedes': barePublish,
      'ACL + limits vs bare': securePublish / barePublish,
    }
  } finally {
    await hub.stop()
    await open.stop()
    await bare.close()
  }
}
