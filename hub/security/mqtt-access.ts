import type { AedesOptions, AuthenticateError, Client } from 'aedes'
import { isValidDeviceId } from '../../protocol/ids.js'
import { NAMESPACE, parseDeviceTopic } from '../../protocol/topics.js'
import type { LimitReason, SecurityLimits } from '../limits/config.js'
import type { ConnectGuard } from '../limits/connect-guard.js'
import type { AdmissionQueue } from '../limits/admission.js'
import type { PublishRate } from '../limits/rate.js'
import type { CredentialStore } from './credentials.js'

export type MqttIdentity = { kind: 'device'; id: string } | { kind: 'operator'; id: string }

export interface MqttAccessDeps {
  credentials: CredentialStore
  /** False with --insecure: no passwords, but the ACL by client id stays (a client is the device it names). */
  requireCredentials: boolean
  limits: SecurityLimits
  connectGuard: ConnectGuard
  /** Paces new sessions (a reconnect storm waits for its CONNACK instead of being refused). */
  admission: AdmissionQueue
  rate: PublishRate
  /** The peer's address and, with client certificates, the certificate's CN (broker.ts knows the socket). */
  peerOf: (client: Client) => { address?: string; certCN?: string; certRequired: boolean }
  refused: (reason: LimitReason, client: Client | null) => void
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

/** Identities of connected clients, for the ACL hooks and for revocation. */
export class MqttSessions {
  private readonly identities = new WeakMap<Client, MqttIdentity>()
  set(client: Client, who: MqttIdentity): void {
    this.identities.set(client, who)
  }
  get(client: Client): MqttIdentity | undefined {
    return this.identities.get(client)
  }
}

/** CONNACK return codes used here (MQTT 3.1.1 §3.2.2.3): 3 server unavailable, 4 bad credentials, 5 not authorized. */
function authError(message: string, returnCode: 3 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
}

const DEVICE_PUBLISH = new Set(['telemetry', 'status', 'cmd/reply'])
const DEVICE_SUBSCRIBE = new Set(['ack', 'cmd'])

/** Operators may watch alerts and device status (DESIGN §11): `outpost/v1/alerts/#` or narrower, `outpost/v1/+/status`. */
function operatorMaySubscribe(filter: string): boolean {
  if (filter.startsWith(`${NAMESPACE}/alerts/`)) return true
  const m = /^outpost\/v1\/([^/]+)\/status$/.exec(filter)
  return !!m && (m[1] === '+' || isValidDeviceId(m[1]))
}

/**
 * aedes hooks for identity and the ACL (DESIGN §3, §11), deny by default: username = client id = device id with
 * the device's token, or an operator token's name with the token under any client id that is not a device's. A device publishes only its own telemetry,
 * status and cmd/reply and subscribes only to its own ack and cmd; operators publish nothing; `$` topics are
 * nobody's; QoS 2 is refused and so is retain, except on the device's own status.
 */
export function mqttAccessHooks(deps: MqttAccessDeps, sessions: MqttSessions): Partial<AedesOptions> {
  const { limits } = deps
  const authenticate: NonNullable<AedesOptions['authenticate']> = (client, username, password, done) => {
    const fail = (reason: LimitReason, message: string, code: 3 | 4 | 5) => {
      deps.refused(reason, client)
      done(authError(message, code), false)
    }
    const peer = deps.peerOf(client)
    const ban = deps.connectGuard.attempt(client.id, peer.address)
    if (ban) {
      // The flapping guard's ban is not a credentials problem: MQTT 3.1.1 has no "banned" code, so it is return
      // code 3 "server unavailable" (the agent waits out the ban on it); the log line names the ban and its end.
      const until = new Date(ban.until).toISOString()
      const who = ban.key === 'id' ? { client: client.id } : { client: client.id, address: peer.address }
      if (ban.fresh) deps.log('warning', `connection attempts over the limit: ${ban.key === 'id' ? 'client id' : 'address'} banned until ${until}`, who)
      else deps.log('debug', `connection refused: ${ban.key === 'id' ? 'client id' : 'address'} banned until ${until}`, who)
      return fail('connect_banned', `banned for too many connection attempts by this ${ban.key === 'id' ? 'client id' : 'address'} until ${until}`, 3)
    }
    if (peer.certRequired && peer.certCN !== client.id) return fail('not_authorized', `certificate CN ${JSON.stringify(peer.certCN)} is not the client id`, 5)
    const secret = password?.toString('utf8')
    if (username !== undefined && username !== client.id) {
      // An operator under a client id its tool picked (DESIGN §11: mosquitto_sub, Node-RED, Home Assistant make
      // random ones), several sessions per token. A device's id stays its own: taking it would end its session.
      if (deps.credentials.isDevice(client.id) || deps.credentials.isRevoked(client.id)) {
        return fail('bad_credentials', `client id ${JSON.stringify(client.id)} belongs to a device`, 4)
      }
      if (!secret) return fail('bad_credentials', 'bad username or password', 4)
      deps.credentials.identifyNamed(username, secret).then(
        (who) => {
          if (!who) return fail('bad_credentials', 'bad username or password', 4)
          if (who.role === 'viewer') return fail('not_authorized', 'this token may not use MQTT', 5)
          sessions.set(client, { kind: 'operator', id: who.name })
          done(null, true)
        },
        (err: Error) => done(authError(err.message, 5), false),
      )
      return
    }
    const decide = async (): Promise<MqttIdentity | LimitReason> => {
      // A revoked device stays out even with --insecure or a client certificate.
      if (deps.credentials.isRevoked(client.id)) return 'bad_credentials'
      if (secret && deps.credentials.isDevice(client.id)) {
        if (!(await deps.credentials.checkDevice(client.id, secret))) return 'bad_credentials'
        // A device that proved its token is not guessing: its attempt is taken back from its address's count, so a
        // fleet behind one NAT reconnecting at once is not banned (its id's own count still catches flapping).
        deps.connectGuard.admitted(peer.address)
        return { kind: 'device', id: client.id }
      }
      if (secret) {
        const who = await deps.credentials.identifyNamed(client.id, secret)
        if (who) return who.role === 'viewer' ? 'not_authorized' : { kind: 'operator', id: who.name }
        if (deps.requireCredentials) return 'bad_credentials'
      }
      if (!deps.requireCredentials || (peer.certRequired && peer.certCN === client.id)) return { kind: 'device', id: client.id }
      return 'bad_credentials'
    }
    decide().then(
      (who) => {
        if (typeof who === 'string') return fail(who, who === 'not_authorized' ? 'this token may not use MQTT' : 'bad username or password', who === 'not_authorized' ? 5 : 4)
        sessions.set(client, who)
        done(null, true)
      },
      (err: Error) => done(authError(err.message, 5), false),
    )
}
  return {
    preConnect: (client, packet, done) => {
      // Wildcard and reserved client ids are refused before anything else (DESIGN §3), then keepalive bounds.
      // An empty client id asks the broker to assign one (MQTT-3.1.3-6, what mosquitto_sub does without -i): aedes
      // makes `aedes_<uuid>`. Only for an operator's clean session; a device is always its own id.
      if (packet.clientId === '') {
        if (!packet.clean || packet.username === undefined) return done(new Error('an empty client id needs a clean session and an operator login'), false)
      } else if (!isValidDeviceId(packet.clientId)) return done(new Error(`client id ${JSON.stringify(packet.clientId)} is not a valid device id`), false)
      const keepalive = packet.keepalive ?? 0
      if (keepalive < limits.keepaliveMinSeconds || keepalive > limits.keepaliveMaxSeconds) {
        deps.refused('keepalive_out_of_bounds', client)
        return done(new Error(`keepalive ${keepalive}s is outside ${limits.keepaliveMinSeconds}..${limits.keepaliveMaxSeconds}s`), false)
      }
      done(null, true)
    },
    authenticate: (client, username, password, done) => {
      // Admission first (docs/security.md, "Reconnect storms"): the connection waits its turn for CONNACK; one that
      // closed meanwhile is dropped uncounted; only a full queue is refused.
      const gone = () => client.closed || (client.conn as { destroyed?: boolean }).destroyed === true
      const admitted = deps.admission.enter(gone, () => authenticate(client, username, password, done))
      if (!admitted) {
        deps.refused('admission_queue_full', client)
        done(authError('too many connections waiting: try again later', 3), false)
      }
    },
    authorizePublish: (client, packet, done) => {
      if (!client) return done(null) // the hub itself (acks, alerts)
      const who = sessions.get(client)
      const deny = (reason: LimitReason, why: string) => {
        deps.refused(reason, client)
        done(new Error(why))
      }
      const parsed = parseDeviceTopic(packet.topic)
      if (!who || who.kind !== 'device' || !parsed || parsed.device !== who.id || !DEVICE_PUBLISH.has(parsed.kind)) {
        return deny('acl_publish', `client ${client.id} may not publish to ${packet.topic}`)
      }
      if (packet.qos === 2) return deny('qos2_refused', 'QoS 2 is not accepted')
      if (packet.retain && parsed.kind !== 'status') return deny('retain_refused', 'retain is accepted on status only')
      const wait = deps.rate.take(client.id, packet.payload.length)
      if (wait === 0) return done(null)
      if (wait > limits.maxThrottleMs) return deny('publish_flood', `publishing far over the rate limit`)
      // Throttled: aedes reads the client's next packets only after this one is handled (back-pressure).
      deps.refused('publish_throttled', client)
      setTimeout(() => done(null), wait).unref()
    },
    authorizeSubscribe: (client, sub, done) => {
      const who = sessions.get(client)
      const filter = sub.topic
      let ok = false
      if (who?.kind === 'operator') ok = operatorMaySubscribe(filter)
      else if (who?.kind === 'device') {
        const parsed = parseDeviceTopic(filter)
        ok = !!parsed && parsed.device === who.id && DEVICE_SUBSCRIBE.has(parsed.kind)
      }
      if (ok && sub.qos === 2) sub = { ...sub, qos: 1 }
      if (!ok) deps.refused('acl_subscribe', client)
      // null = refused with SUBACK 0x80, the session stays (MQTT-3.9.3).
      done(null, ok ? sub : null)
    },
  }
}
