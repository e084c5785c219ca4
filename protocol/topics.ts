import { isValidDeviceId, assertDeviceId } from './ids.js'

// DESIGN §3: every topic lives under this namespace.
export const NAMESPACE = 'outpost/v1'

export type DeviceTopicKind = 'telemetry' | 'ack' | 'status' | 'cmd' | 'cmd/reply'
const DEVICE_KINDS: ReadonlySet<string> = new Set(['telemetry', 'ack', 'status', 'cmd', 'cmd/reply'])

export const topics = {
  telemetry: (device: string) => `${NAMESPACE}/${assertDeviceId(device)}/telemetry`,
  ack: (device: string) => `${NAMESPACE}/${assertDeviceId(device)}/ack`,
  status: (device: string) => `${NAMESPACE}/${assertDeviceId(device)}/status`,
  cmd: (device: string) => `${NAMESPACE}/${assertDeviceId(device)}/cmd`,
  cmdReply: (device: string) => `${NAMESPACE}/${assertDeviceId(device)}/cmd/reply`,
  alert: (severity: string, device: string, rule: string) =>
    `${NAMESPACE}/alerts/${severity}/${assertDeviceId(device)}/${assertDeviceId(rule, 'rule id')}`,
  /** Subscription filters the hub uses. */
  allTelemetry: `${NAMESPACE}/+/telemetry`,
  allStatus: `${NAMESPACE}/+/status`,
} as const

export interface ParsedDeviceTopic {
  device: string
  kind: DeviceTopicKind
}

/** Parses `outpost/v1/{device}/{kind}`; returns undefined for anything else (including alert topics). */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | undefined {
  const prefix = NAMESPACE + '/'
  if (!topic.startsWith(prefix)) return undefined
  const rest = topic.slice(prefix.length)
  const slash = rest.indexOf('/')
  if (slash <= 0) return undefined
  const device = rest.slice(0, slash)
  const kind = rest.slice(slash + 1)
  if (device === 'alerts' || !isValidDeviceId(device) || !DEVICE_KINDS.has(kind)) return undefined
  return { device, kind: kind as DeviceTopicKind }
}
