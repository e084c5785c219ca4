// Who is told what, and when (docs/alerts.md "Notifications"): fresh, unsilenced firing alerts once, grouped into
// incidents after groupWait; again every repeatInterval unless acknowledged; resolved only if the firing was sent.
import { newIncident, type Incident } from './incidents.js'
import { windowOf, type Rule } from './rule-schema.js'
import { silencing, type Silence } from './silences.js'
import { toMessage, type AlertRecord, type HistoryEvent } from './types.js'
import type { Notification } from './notifiers/types.js'

export interface DispatchInput {
  /** Firing alerts to consider, and alerts resolved in this pass. */
  alerts: Iterable<AlertRecord>
  rules: (id: string) => Rule | undefined
  /** Open incident per rule; updated in place. */
  incidents: Map<string, Incident>
  silences: Iterable<Silence>
  now: number
  /** Evidence older than this (plus the rule's window) is replayed history: its firing is not announced. */
  freshnessMs: number
}

export interface DispatchResult {
  notifications: Notification[]
  /** Alerts whose notification fields changed. */
  alerts: AlertRecord[]
  incidents: Incident[]
  events: HistoryEvent[]
}

export function dispatch(input: DispatchInput): DispatchResult {
  const { now } = input
  const byRule = new Map<string, Notification>()
  const changed: AlertRecord[] = []
  const incidents = new Set<Incident>()
  const events: HistoryEvent[] = []
  const send = (a: AlertRecord, state: 'firing' | 'resolved') => {
    const n = byRule.get(a.rule)
    if (n) n.alerts.push(toMessage(a, state))
    else byRule.set(a.rule, { incident: a.incident, alerts: [toMessage(a, state)] })
  }

  for (const a of input.alerts) {
    const rule = input.rules(a.rule)
    if (a.state === 'resolved') {
      if (a.notified) send(a, 'resolved')
      const incident = a.incident ? input.incidents.get(a.rule) : undefined
      if (incident && incident.id === a.incident) {
        incident.firing = incident.firing.filter((id) => id !== a.id)
        if (incident.firing.length === 0) {
          incident.state = 'resolved'
          incident.endsAt = now
          input.incidents.delete(a.rule)
        }
        incidents.add(incident)
      }
      continue
    }
    if (a.state !== 'firing' || !rule) continue
    const silencedBy = silencing(input.silences, a, now)
    if (silencedBy.join() !== a.silencedBy.join()) {
      a.silencedBy = silencedBy
      changed.push(a)
    }
    if (silencedBy.length > 0) continue
    if (!a.notified) {
      if (now - a.lastEvalTs > input.freshnessMs + windowOf(rule)) continue
      let incident = input.incidents.get(a.rule)
      if (!incident) input.incidents.set(a.rule, (incident = newIncident(a.rule, now, rule.groupWait)))
      if (a.incident !== incident.id) {
        a.incident = incident.id
        incident.alerts.push(a.id)
        incident.firing.push(a.id)
        incidents.add(incident)
        changed.push(a)
      }
      if (now < incident.notifyAt) continue
      a.notified = true
      a.lastNotifiedAt = now
      events.push({ alert: a.id, at: now, from: 'firing', to: 'notified' })
      send(a, 'firing')
      changed.push(a)
    } else if (!a.acknowledged && rule.repeatInterval > 0 && now - (a.lastNotifiedAt ?? 0) >= rule.repeatInterval) {
      a.lastNotifiedAt = now
      events.push({ alert: a.id, at: now, from: 'firing', to: 'notified', note: 'repeat' })
      send(a, 'firing')
      changed.push(a)
    }
  }
  return { notifications: [...byRule.values()], alerts: [...new Set(changed)], incidents: [...incidents], events }
}
