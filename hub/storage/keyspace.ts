// DESIGN §6: every table of the hub's database, by the prefix it lives under. A store opens its tables only through
// `table()`, so this list is complete; docs/storage.md prints it and test/hub/storage/keyspace.test.ts checks both
// against a real data dir. Adding a table is one line here and one row there.
import { trackTable, type Database } from './db.js'

export type ValueEncoding = 'view' | 'json' | 'utf8'

export interface KeyspaceEntry {
  /** What the table holds (its owner's folder in parentheses). */
  what: string
  encoding: ValueEncoding
  /** The key layout, as docs/storage.md shows it. */
  key: string
}

export const KEYSPACE = {
  'm-series': { what: 'metric series definitions (hub/metrics)', encoding: 'view', key: 'series id, 8 hex digits' },
  'm-post': { what: 'metric label postings, the inverted index (hub/metrics)', encoding: 'view', key: 'term \\0 series id' },
  'm-head': { what: 'metric head rows, written with the dedup mark (hub/metrics)', encoding: 'view', key: 'row number, 16 digits' },
  'm-chunk': { what: 'compacted metric chunks (hub/metrics)', encoding: 'view', key: 'series id \\0 window (time key) \\0 seq' },
  'm-rollup': { what: 'rollups of compacted chunks (hub/metrics)', encoding: 'view', key: 'chunk key \\0 width' },
  'm-dedup': { what: 'dedup marks of (device, epoch), DESIGN §5 (hub/storage)', encoding: 'view', key: 'device \\0 epoch' },
  'm-meta': { what: 'metric store settings and counters (hub/metrics)', encoding: 'view', key: 'name' },
  'l-rec': { what: 'log records by time, before blocks: emptied by the migration at start (hub/logs)', encoding: 'view', key: 'time key \\0 device \\0 epoch \\0 seq \\0 k' },
  'l-idx': { what: 'log postings per UTC day, before blocks: emptied by the migration at start (hub/logs)', encoding: 'view', key: 'day key \\0 term \\0 record id' },
  'l-err': { what: 'error aggregates per day (hub/logs)', encoding: 'view', key: 'day key \\0 fingerprint \\0 device' },
  'l-head': { what: 'log head: one row per stored batch until sealed into blocks (hub/logs/blocks)', encoding: 'view', key: 'device \\0 epoch \\0 seq' },
  'l-block': { what: 'log blocks: compressed columns of one UTC day, one row per 512-line page; format 1 blocks: one row, no page (hub/logs/blocks)', encoding: 'view', key: 'day key \\0 block seq (12 digits) \\0 page (4 digits)' },
  'l-bpost': { what: 'posting lists of the words of each log block (hub/logs/blocks)', encoding: 'view', key: 'block key \\0 word' },
  'l-brow': { what: 'the lines of the rare words of each log block, one row per line (hub/logs/blocks)', encoding: 'view', key: 'block key \\0 row (6 digits)' },
  'l-bsum': { what: 'log block summaries and Bloom filters, loaded at start (hub/logs/blocks)', encoding: 'view', key: 'block key' },
  't-span': { what: 'spans by trace, before blocks: emptied by the migration at start (hub/traces)', encoding: 'view', key: 'trace id \\0 span id' },
  't-time': { what: 'span index by start time, before blocks: emptied by the migration (hub/traces)', encoding: 'view', key: 'start key \\0 trace id \\0 span id' },
  't-svc': { what: 'span index by service, before blocks: emptied by the migration (hub/traces)', encoding: 'view', key: 'service \\0 start key \\0 trace id \\0 span id' },
  't-op': { what: 'span index by service and operation, before blocks: emptied by the migration (hub/traces)', encoding: 'view', key: 'service \\0 operation \\0 start key \\0 trace id \\0 span id' },
  't-head': { what: 'span head: one row per stored batch until sealed into blocks (hub/traces/blocks)', encoding: 'view', key: 'device \\0 epoch \\0 seq' },
  't-block': { what: 'span blocks: compressed columns of one hour of span starts (hub/traces/blocks)', encoding: 'view', key: 'hour start key \\0 block seq (12 digits)' },
  't-bsum': { what: 'span block summaries and Bloom filters, loaded at start (hub/traces/blocks)', encoding: 'view', key: 'block key' },
  'h-hist': { what: 'health history by time (hub/health)', encoding: 'json', key: 'day | ts | device | check' },
  'h-dev': { what: 'health history by device (hub/health)', encoding: 'json', key: 'device | ts | check' },
  'h-cur': { what: 'current health per device and check (hub/health)', encoding: 'json', key: 'device | check' },
  'alert-rules': { what: 'alert rules (hub/alerts)', encoding: 'json', key: 'rule id' },
  alerts: { what: 'open and recent alerts (hub/alerts)', encoding: 'json', key: 'alert id' },
  'alert-events': { what: 'alert history (hub/alerts)', encoding: 'json', key: 'alert id ! ts (15 digits) ! seq (9 digits)' },
  silences: { what: 'silences (hub/alerts)', encoding: 'json', key: 'silence id' },
  incidents: { what: 'incidents (hub/alerts)', encoding: 'json', key: 'incident id' },
  'alert-outbox': { what: 'notifications written with their alert state, until every notifier has them (hub/alerts)', encoding: 'json', key: 'step time (15 digits) - random hex' },
  'alert-inbox': { what: 'stored batches of a cluster, until the leader evaluated them (hub/alerts)', encoding: 'view', key: 'device \\0 epoch \\0 seq (10 digits)' },
  'alert-evaluated': { what: 'seqs of each (device, epoch) the leader evaluated, as ranges (hub/alerts)', encoding: 'json', key: 'device \\0 epoch' },
  'webhook-queue-*': { what: "one notifier's durable queue, * = a webhook's name or kind.receiver (hub/alerts/notifiers)", encoding: 'json', key: 'seq, 15 digits' },
  'slack-threads-*': { what: 'Slack bot messages to update, * = receiver (hub/alerts/notifiers/slack)', encoding: 'json', key: 'thread key' },
  'email-threads-*': { what: 'Message-ID of the first mail of each thread, * = receiver (hub/alerts/notifiers/email)', encoding: 'json', key: 'thread key' },
  'notification-attempts': { what: 'delivery attempts, the newest 10,000 (hub/alerts/notifiers)', encoding: 'json', key: 'seq, 15 digits' },
  routing: { what: 'route groups and firing alerts with their escalations (hub/alerts/routing)', encoding: 'json', key: 'g:group key | a:alert id' },
  devices: { what: 'device registry (hub)', encoding: 'json', key: 'device id' },
  'device-credentials': { what: 'device tokens, hashed (hub/security)', encoding: 'json', key: 'device id' },
  'api-tokens': { what: 'API tokens, hashed (hub/security)', encoding: 'json', key: 'token name' },
  auth: { what: 'auth settings (hub)', encoding: 'utf8', key: 'name' },
  audit: { what: 'audit log, hash-chained records (hub/audit)', encoding: 'json', key: 'ts (15 digits) . seq (12 digits)' },
  'audit-checkpoints': { what: 'signed checkpoints of the audit chain (hub/audit)', encoding: 'json', key: 'seq, 12 digits' },
  'audit-meta': { what: 'audit chain bookkeeping: migration record (hub/audit)', encoding: 'json', key: 'name' },
  'device-presence': { what: 'device online/offline changes over time (hub)', encoding: 'json', key: 'device \\0 ts (15 digits)' },
  slos: { what: 'SLO definitions (hub/slo)', encoding: 'json', key: 'SLO id' },
  'anomaly-state': { what: 'anomaly detector state per series (hub/anomaly)', encoding: 'view', key: 'series key' },
  'anomaly-open': { what: 'the open anomaly event of a series (hub/anomaly)', encoding: 'json', key: 'series key' },
  'anomaly-scores': { what: 'anomaly scores per series, (ts, score) pairs per checkpoint (hub/anomaly)', encoding: 'view', key: 'series key \\u0002 first ts (15 digits)' },
  'anomaly-events': { what: 'anomaly events (hub/anomaly)', encoding: 'json', key: 'event id' },
  dashboards: { what: 'console dashboards (hub/dashboards)', encoding: 'json', key: 'dashboard id' },
  'agent-configs': { what: 'remote agent configuration per device: desired and applied versions, last error (hub/remote)', encoding: 'json', key: 'device id' },
  commands: { what: 'commands sent to devices and their outcomes (hub/remote)', encoding: 'json', key: 'device / command id' },
  'device-labels': { what: 'labels per device, what fleet selectors match (hub/remote)', encoding: 'json', key: 'device id' },
  'report-schedule': { what: 'when each scheduled report last went out (hub/reports)', encoding: 'json', key: 'report name' },
} as const satisfies Record<string, KeyspaceEntry>

export type Prefix = keyof typeof KEYSPACE

type DefaultValue<E extends ValueEncoding> = [E] extends ['view'] ? Uint8Array : [E] extends ['utf8'] ? string : unknown

/** The entry a concrete prefix falls under: itself, or a `name-*` pattern. */
export function keyspaceEntry(prefix: string): KeyspaceEntry | undefined {
  if (prefix in KEYSPACE) return KEYSPACE[prefix as Prefix]
  for (const [pattern, entry] of Object.entries(KEYSPACE)) {
    if (pattern.endsWith('*') && prefix.startsWith(pattern.slice(0, -1)) && prefix.length > pattern.length - 1) return entry
  }
  return undefined
}

/**
 * Opens one table. `prefix` is a KEYSPACE key, or for a pattern entry (`webhook-queue-*`) the pattern with its `*`
 * filled in, passed as `[pattern, name]`.
 */
export function table<P extends Prefix, V = DefaultValue<(typeof KEYSPACE)[P]['encoding']>>(
  db: Database,
  prefix: P | [P, string],
  /** Read the same table as stored bytes ('view'), e.g. to hash records without decoding them. */
  encoding?: ValueEncoding,
) {
  const [pattern, name] = Array.isArray(prefix) ? prefix : [prefix, undefined]
  const entry: KeyspaceEntry = KEYSPACE[pattern]
  const full = name === undefined ? pattern : pattern.replace('*', name)
  if (full.includes('*') || (name !== undefined && !pattern.endsWith('*'))) throw new Error(`keyspace: ${JSON.stringify(prefix)} is not a table name`)
  const sub = db.sublevel<string, V>(full, { valueEncoding: encoding ?? entry.encoding })
  trackTable(db, sub)
  return sub
}
