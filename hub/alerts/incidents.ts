import { randomBytes } from 'node:crypto'

/** Alerts of one rule across devices, grouped while any of them is firing (Alertmanager's group, `groupWait`). */
export interface Incident {
  id: string
  rule: string
  state: 'open' | 'resolved'
  startsAt: number
  endsAt: number | null
  /** The first notification of the group waits until this time, so alerts firing together go out together. */
  notifyAt: number
  alerts: string[]
  /** Alerts of the group still firing. */
  firing: string[]
}

export function newIncident(rule: string, now: number, groupWait: number): Incident {
  const id = `i-${String(now).padStart(13, '0')}-${randomBytes(3).toString('hex')}`
  return { id, rule, state: 'open', startsAt: now, endsAt: null, notifyAt: now + groupWait, alerts: [], firing: [] }
}
