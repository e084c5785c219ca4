// The state machine of one alert (docs/alerts.md): pending → firing → resolved, with `for`, hysteresis and
// keepFiringFor. Pure: takes the record and evidence, mutates the record, returns what happened.
import { randomBytes } from 'node:crypto'
import type { Rule } from './rule-schema.js'
import { renderAll } from './templates.js'
import type { AlertRecord, HistoryEvent, Observation } from './types.js'

export type StepResult = 'none' | 'updated' | 'opened' | 'fired' | 'resolved' | 'dropped'

export function newAlert(rule: Rule, obs: Observation, now: number): AlertRecord {
  const device = obs.labels.device || '_all'
  const labels = { ...rule.labels, ...obs.labels, rule: rule.id, severity: rule.severity }
  return {
    // Ids sort by when the condition began, so listing newest first is a reverse scan.
    id: `a-${String(Math.max(0, obs.ts)).padStart(13, '0')}-${randomBytes(4).toString('hex')}`,
    rule: rule.id,
    key: obs.key,
    device,
    severity: rule.severity,
    state: 'pending',
    value: obs.value,
    labels,
    annotations: renderAll(rule.annotations, { device, value: obs.value, rule: rule.id, labels }),
    activeAt: obs.ts,
    fireAt: obs.ts + rule.for,
    startsAt: null,
    endsAt: null,
    lastEvalTs: obs.ts,
    lastActive: true,
    clearingSince: null,
    notified: false,
    lastNotifiedAt: null,
    acknowledged: null,
    resolvedBy: null,
    incident: null,
    silencedBy: [],
    updatedAt: now,
  }
}

/** Applies one observation to the open alert of its group (or opens one). */
export function observe(rule: Rule, alert: AlertRecord, obs: Observation, now: number, events: HistoryEvent[]): StepResult {
  // Evidence older than what the alert has seen (replayed backlog behind live data) does not move it back.
  if (obs.ts < alert.lastEvalTs) return 'none'
  alert.value = obs.value
  alert.lastEvalTs = obs.ts
  alert.lastActive = obs.active
  alert.updatedAt = now
  alert.annotations = renderAll(rule.annotations, { device: alert.device, value: obs.value, rule: rule.id, labels: alert.labels })
  if (alert.state === 'pending') {
    // `for` means the condition held the whole time: a lapse drops the pending alert.
    if (!obs.active) return 'dropped'
    if (obs.ts >= alert.fireAt) return fire(alert, alert.fireAt, now, events)
    return 'updated'
  }
  if (obs.active || !obs.cleared) {
    // Firing, or inside the hysteresis band: stays firing.
    alert.clearingSince = null
    return 'updated'
  }
  if (rule.keepFiringFor) {
    alert.clearingSince ??= obs.ts
    if (obs.ts - alert.clearingSince < rule.keepFiringFor) return 'updated'
  }
  return resolve(alert, obs.ts, now, events)
}

/** The timers: a pending alert whose `for` has run out, a keepFiringFor that has run out (hub clock). */
export function onTimer(rule: Rule, alert: AlertRecord, now: number, events: HistoryEvent[]): StepResult {
  if (alert.state === 'pending' && alert.lastActive && now >= alert.fireAt) return fire(alert, alert.fireAt, now, events)
  if (alert.state === 'firing' && alert.clearingSince !== null && rule.keepFiringFor && now - alert.clearingSince >= rule.keepFiringFor) {
    return resolve(alert, alert.clearingSince + rule.keepFiringFor, now, events)
  }
  return 'none'
}

export function fire(alert: AlertRecord, at: number, now: number, events: HistoryEvent[]): StepResult {
  alert.state = 'firing'
  alert.startsAt = at
  alert.updatedAt = now
  events.push({ alert: alert.id, at: now, from: 'pending', to: 'firing', value: alert.value })
  return 'fired'
}

export function resolve(alert: AlertRecord, at: number, now: number, events: HistoryEvent[], by?: string): StepResult {
  const from = alert.state
  alert.state = 'resolved'
  alert.endsAt = at
  alert.updatedAt = now
  alert.clearingSince = null
  if (by) alert.resolvedBy = by
  events.push({ alert: alert.id, at: now, from, to: 'resolved', value: alert.value, ...(by ? { by } : {}) })
  return 'resolved'
}
