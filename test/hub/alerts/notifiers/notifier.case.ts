import { afterEach, beforeEach, expect, it } from 'vitest'
import type { Notifier } from '../../../../hub/alerts/notifiers/types.js'
import type { AlertMessage } from '../../../../hub/alerts/types.js'
import { waitFor } from '../../../helpers/temp.js'

/** What the suite hands a notifier's factory: a secret to configure it with (token, password) and a logger. */
export interface HarnessSetup {
  secret: string
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

/** A receiver the notifier talks to over the network, which the suite can make fail (HTTP-like notifiers). */
export interface FaultyReceiver {
  /** The next `n` calls fail with `status`, carrying `Retry-After: retryAfter` when given. */
  failNext(n: number, status: number, retryAfter?: string): void
  /** Every call's arrival time and raw body, failed ones included. */
  calls(): Array<{ at: number; body: string }>
  /** False when the protocol has no Retry-After (SMTP): that check is skipped. */
  retryAfter?: boolean
}

/** An alert as a receiver got it: the whole message (MQTT, webhook) or what a service's format carries of it. */
export type ReceivedAlert = Pick<AlertMessage, 'id' | 'state'> & Partial<AlertMessage>

/** What a notifier's test provides: the notifier on real parts, and what its receiver got, in order. */
export interface NotifierHarness {
  notifier: Notifier
  received(): ReceivedAlert[]
  /** `summary`: the service's format carries some fields only (Slack, PagerDuty, email…); those must be right. */
  fidelity?: 'full' | 'summary'
  close(): Promise<void>
  /** Present for notifiers that retry a remote receiver: the retry, Retry-After and idempotency checks run. */
  faults?: FaultyReceiver
  /** True when the notifier was configured with `setup.secret`: the secret-leak check then runs. */
  usesSecret: boolean
}

export function alertMessage(over: Partial<AlertMessage> = {}): AlertMessage {
  return {
    id: 'a-0001764600000000-0badcafe',
    rule: 'cpu-hot',
    device: 'dev-1',
    severity: 'high',
    state: 'firing',
    value: 0.97,
    startsAt: 1764600000000,
    endsAt: null,
    annotations: { summary: 'CPU hot on dev-1: 0.97' },
    labels: { device: 'dev-1', rule: 'cpu-hot', severity: 'high', team: 'ops' },
    ...over,
  }
}

const SECRET = 's3cr3t-token-4f1d9a'

/**
 * The conformance suite every alert notifier's test runs (STYLE: one shared case suite per interface; the retry,
 * Retry-After and secret checks follow Alertmanager's notify/test kit).
 */
export function notifierConformance(make: (setup: HarnessSetup) => Promise<NotifierHarness>): void {
  let h: NotifierHarness
  let logged: string[]
  beforeEach(async () => {
    logged = []
    h = await make({ secret: SECRET, log: (level, msg, extra) => logged.push(`${level} ${msg} ${JSON.stringify(extra ?? {})}`) })
    await h.notifier.start?.()
  })
  afterEach(async () => {
    await h.notifier.stop?.()
    await h.close()
  })

  it('delivers a firing alert with every DESIGN §10 field intact', async () => {
    const m = alertMessage()
    await h.notifier.notify({ incident: 'i-1', alerts: [m] })
    const got = await waitFor(() => h.received()[0], 10_000, 'delivery')
    if (h.fidelity === 'summary') {
      expect(got).toMatchObject({ id: m.id, state: 'firing', device: m.device })
      expect(m).toMatchObject(got)
    } else expect(got).toEqual(m)
  })

  it('delivers resolved after firing, in order, each once', async () => {
    await h.notifier.notify({ incident: 'i-1', alerts: [alertMessage()] })
    await h.notifier.notify({ incident: 'i-1', alerts: [alertMessage({ state: 'resolved', value: 0.5, endsAt: 1764600060000 })] })
    await waitFor(() => h.received().length >= 2, 10_000, 'two deliveries')
    await new Promise((r) => setTimeout(r, 200))
    expect(h.received().map((m) => m.state)).toEqual(['firing', 'resolved'])
    const resolved = h.received()[1]
    if ('value' in resolved) expect(resolved.value).toBe(0.5)
    if (h.fidelity !== 'summary' || 'endsAt' in resolved) expect(resolved.endsAt).toBe(1764600060000)
  })

  it('delivers every alert of a grouped notification', async () => {
    const alerts = ['dev-1', 'dev-2', 'dev-3'].map((device, i) => alertMessage({ id: `a-${i}`, device, labels: { device } }))
    await h.notifier.notify({ incident: 'i-2', alerts })
    await waitFor(() => h.received().length >= 3, 10_000, 'three alerts')
    expect(h.received().map((m) => m.device).sort()).toEqual(['dev-1', 'dev-2', 'dev-3'])
  })

  it('restoring firing alerts after a restart sends nothing', async () => {
    await h.notifier.restore?.([alertMessage()])
    await h.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-marker', rule: 'marker' })] })
    await waitFor(() => h.received().length >= 1, 10_000, 'marker')
    await new Promise((r) => setTimeout(r, 200))
    expect(h.received().map((m) => m.id)).toEqual(['a-marker'])
  })

  it('retries a failing receiver (5xx, 429) and delivers once, in order', async ({ skip }) => {
    if (!h.faults) return skip('no remote receiver')
    h.faults.failNext(2, 503)
    h.faults.failNext(1, 429)
    await h.notifier.notify({ incident: 'i-3', alerts: [alertMessage({ id: 'a-r1' })] })
    await h.notifier.notify({ incident: 'i-3', alerts: [alertMessage({ id: 'a-r2' })] })
    await waitFor(() => h.received().length >= 2, 15_000, 'deliveries after retries')
    await new Promise((r) => setTimeout(r, 200))
    expect(h.received().map((m) => m.id)).toEqual(['a-r1', 'a-r2'])
    expect(h.faults.calls()).toHaveLength(5)
  })

  it('waits at least the Retry-After the receiver asks for', async ({ skip }) => {
    if (!h.faults || h.faults.retryAfter === false) return skip('no remote receiver with Retry-After')
    h.faults.failNext(1, 503, '1')
    await h.notifier.notify({ incident: null, alerts: [alertMessage()] })
    await waitFor(() => h.received().length >= 1, 15_000, 'delivery after Retry-After')
    const [failed, delivered] = h.faults.calls()
    expect(delivered.at - failed.at).toBeGreaterThanOrEqual(1000)
  })

  it('a retry resends the identical body, so a receiver can drop a duplicate by alert id and state', async ({ skip }) => {
    if (!h.faults) return skip('no remote receiver')
    h.faults.failNext(2, 500)
    await h.notifier.notify({ incident: 'i-4', alerts: [alertMessage({ id: 'a-idem' })] })
    await waitFor(() => h.received().length >= 1, 15_000, 'delivery')
    const bodies = h.faults.calls().map((c) => c.body)
    expect(bodies).toHaveLength(3)
    expect(new Set(bodies).size).toBe(1)
  })

  it('never writes its secret into a log line or its name, delivering or failing', async ({ skip }) => {
    if (!h.usesSecret) return skip('configured with no secret')
    h.faults?.failNext(1, 500)
    h.faults?.failNext(1, 400)
    await h.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-refused' })] })
    await h.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-ok' })] })
    await waitFor(() => h.received().some((m) => m.id === 'a-ok'), 15_000, 'delivery')
    expect(logged.length).toBeGreaterThan(0)
    for (const line of [...logged, h.notifier.name]) expect(line).not.toContain(SECRET)
  })
}
