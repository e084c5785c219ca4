// Issue 17: what a notification template sees (docs/notifications.md "Templates"), and the default title and body.
import { z } from 'zod'
import { checked } from '../../../kit/options.js'
import type { AlertMessage } from '../types.js'
import type { Delivery } from './channel.js'
import { compileTemplate, type Template } from './template.js'

export interface AlertView {
  id: string
  rule: string
  device: string
  severity: string
  state: string
  STATE: string
  value: string
  summary: string
  description: string
  startsAt: string
  endsAt: string
  labels: Record<string, string>
  annotations: Record<string, string>
  labelList: Array<{ name: string; value: string }>
}

export interface MessageView {
  status: 'firing' | 'resolved'
  STATUS: string
  receiver: string
  incident: string
  rule: string
  device: string
  severity: string
  count: number
  more: number
  test: boolean
  acknowledged: boolean
  alerts: AlertView[]
  firing: AlertView[]
  resolved: AlertView[]
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  /** The first alert, for single-alert templates. */
  alert: AlertView
}

export const DEFAULT_TITLE = '[{{STATUS}}{{#more}} {{count}} alerts{{/more}}] {{rule}}{{#device}} on {{device}}{{/device}} ({{severity}}){{#test}} test message{{/test}}'
export const DEFAULT_BODY = '{{#alerts}}{{STATE}} {{severity}} {{rule}} on {{device}}: {{summary}} (value {{value}}, since {{startsAt}}{{#endsAt}}, ended {{endsAt}}{{/endsAt}})\n{{/alerts}}'

/** `title` and `body` template options with defaults; a bad template names its key. */
export function templateOptions(defaults: { title?: string; body?: string } = {}) {
  return {
    title: checked(z.string().default(defaults.title ?? DEFAULT_TITLE), (s) => compileTemplate(s, '')),
    body: checked(z.string().default(defaults.body ?? DEFAULT_BODY), (s) => compileTemplate(s, '')),
  }
}
export type { Template }

export function alertView(a: AlertMessage): AlertView {
  const labels = { ...a.labels }
  return {
    id: a.id,
    rule: a.rule,
    device: a.device,
    severity: a.severity,
    state: a.state,
    STATE: a.state.toUpperCase(),
    value: a.value === null ? '' : typeof a.value === 'number' ? String(Number(a.value.toPrecision(6))) : a.value,
    summary: a.annotations.summary ?? `${a.rule} on ${a.device}`,
    description: a.annotations.description ?? '',
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: a.endsAt === null ? '' : new Date(a.endsAt).toISOString(),
    labels,
    annotations: { ...a.annotations },
    labelList: Object.entries(labels).map(([name, value]) => ({ name, value })),
  }
}

const RANK = ['critical', 'high', 'medium', 'low', 'info']

export function messageView(d: Delivery, receiver: string): MessageView {
  const alerts = d.notification.alerts.map(alertView)
  const firing = alerts.filter((a) => a.state === 'firing')
  const common = (f: (a: AlertView) => string) => (alerts.every((a) => f(a) === f(alerts[0])) ? f(alerts[0]) : '')
  const commonLabels: Record<string, string> = {}
  for (const [k, v] of Object.entries(alerts[0]?.labels ?? {})) if (alerts.every((a) => a.labels[k] === v)) commonLabels[k] = v
  const severity = [...alerts].sort((a, b) => RANK.indexOf(a.severity) - RANK.indexOf(b.severity))[0]?.severity ?? 'info'
  const status = firing.length > 0 ? 'firing' : 'resolved'
  return {
    status,
    STATUS: d.acknowledged ? 'ACKNOWLEDGED' : status.toUpperCase(),
    receiver,
    incident: d.notification.incident ?? '',
    rule: common((a) => a.rule) || alerts.map((a) => a.rule).filter((r, i, all) => all.indexOf(r) === i).join(', '),
    device: common((a) => a.device),
    severity,
    count: alerts.length,
    more: alerts.length > 1 ? alerts.length - 1 : 0,
    test: Boolean(d.test),
    acknowledged: Boolean(d.acknowledged),
    alerts,
    firing,
    resolved: alerts.filter((a) => a.state === 'resolved'),
    groupLabels: { ...(d.groupLabels ?? {}) },
    commonLabels,
    alert: alerts[0],
  }
}

/** A stable key per thread of messages: the route group, else the incident, else the first alert. */
export function threadKey(d: Delivery): string {
  return d.groupKey ?? d.notification.incident ?? d.notification.alerts[0]?.id ?? 'none'
}
