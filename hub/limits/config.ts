/** Per-client limits of the broker and ingest (issue 7 "Limits"); every one is a hub setting (docs/security.md). */
export interface SecurityLimits {
  /** Largest MQTT packet accepted, bytes; a larger one closes the connection before it is buffered. */
  maxPacketBytes: number
  /** Publishes per second per client (burst: one second's worth); beyond it the client is slowed down. */
  publishPerSecond: number
  /** Payload bytes per second per client, likewise. */
  publishBytesPerSecond: number
  /** A client slowed down by more than this is disconnected instead (it is flooding). */
  maxThrottleMs: number
  /** Connection attempts per client id, and per address, within `connectWindowMs`, before a ban. */
  connectAttemptsPerId: number
  connectAttemptsPerAddress: number
  connectWindowMs: number
  banMs: number
  /** New MQTT sessions admitted per second; more wait for their CONNACK (hub/limits/admission.ts). */
  admissionPerSecond: number
  /** Connections waiting for admission at most; beyond it one is refused with CONNACK 3. */
  admissionQueue: number
  /** Keepalive a client may ask for, seconds (0 = none is refused). */
  keepaliveMinSeconds: number
  keepaliveMaxSeconds: number
  /** Distinct metric series one device may create. */
  seriesPerDevice: number
  labelsPerSeries: number
  labelValueBytes: number
  /** Longest log message stored; longer ones are cut and counted. */
  logLineBytes: number
}

/** A client slowed down by more than this is disconnected instead (flooding); a bound of the throttle, not a setting. */
export const MAX_THROTTLE_MS = 10_000

/** Reasons a limit refused or slowed something, as counted in /metrics and per device. */
export const LIMIT_REASONS = [
  'packet_too_large',
  'publish_throttled',
  'publish_flood',
  'connect_banned',
  'admission_queue_full',
  'keepalive_out_of_bounds',
  'bad_credentials',
  'not_authorized',
  'acl_publish',
  'acl_subscribe',
  'qos2_refused',
  'retain_refused',
  'too_many_series',
  'too_many_labels',
  'label_value_too_long',
  'log_line_truncated',
  'proxy_header',
] as const
export type LimitReason = (typeof LIMIT_REASONS)[number]
