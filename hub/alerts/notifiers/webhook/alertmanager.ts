// Issue 17: the Alertmanager webhook payload, version 4 (prometheus.io/docs/alerting/latest/configuration/
// #webhook_config), so receivers written for Alertmanager take Outpost's posts unchanged.
import { createHash } from 'node:crypto'
import type { AlertMessage } from '../../types.js'
import type { Delivery } from '../channel.js'

const iso = (ms: number | null) => (ms === null ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString())

function alertLabels(a: AlertMessage): Record<string, string> {
  // Alertmanager's alertname is the rule; device and severity ride along as labels.
  return { alertname: a.rule, ...a.labels, rule: a.rule, device: a.device, severity: a.severity }
}

function common(maps: Array<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(maps[0] ?? {})) if (maps.every((m) => m[k] === v)) out[k] = v
  return out
}

export function alertmanagerPayload(d: Delivery, receiver: string, externalUrl: string) {
  const alerts = d.notification.alerts
  const labels = alerts.map(alertLabels)
  const groupLabels = d.groupLabels ?? (d.notification.incident ? { alertname: alerts[0]?.rule ?? '' } : {})
  return {
    version: '4',
    groupKey: d.groupKey ?? `{}:{incident="${d.notification.incident ?? alerts[0]?.id ?? ''}"}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.state === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels,
    commonLabels: common(labels),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: externalUrl,
    alerts: alerts.map((a, i) => ({
      status: a.state,
      labels: labels[i],
      annotations: a.annotations,
      startsAt: iso(a.startsAt),
      endsAt: iso(a.endsAt),
      generatorURL: `${externalUrl.replace(/\/$/, '')}/v1/alerts/${encodeURIComponent(a.id)}`,
      fingerprint: createHash('sha256').update(a.id).digest('hex').slice(0, 16),
    })),
  }
}
