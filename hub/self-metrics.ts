import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { LIMIT_REASONS } from './limits/config.js'

/** The hub's own metrics, served on GET /metrics; one registry per hub (no global state). */
export class HubMetrics {
  readonly registry = new Registry()
  readonly batches = new Counter({ name: 'outpost_hub_batches_total', help: 'Telemetry batches stored', registers: [this.registry] })
  readonly duplicates = new Counter({ name: 'outpost_hub_batches_duplicate_total', help: 'Batches already stored (acked, not stored again)', registers: [this.registry] })
  readonly samples = new Counter({ name: 'outpost_hub_samples_total', help: 'Metric samples stored', registers: [this.registry] })
  readonly rejected = new Counter({
    name: 'outpost_hub_batches_rejected_total',
    help: 'Telemetry payloads refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly samplesRejected = new Counter({
    name: 'outpost_hub_samples_rejected_total',
    help: 'Samples refused for lying outside the accepted time window, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly acks = new Counter({ name: 'outpost_hub_acks_total', help: 'Acks published to agents', registers: [this.registry] })
  readonly devicesOnline = new Gauge({ name: 'outpost_hub_devices_online', help: 'Devices whose last status is online', registers: [this.registry] })
  readonly devicesKnown = new Gauge({ name: 'outpost_hub_devices_known', help: 'Devices ever seen', registers: [this.registry] })
  readonly mqttClients = new Gauge({ name: 'outpost_hub_mqtt_clients', help: 'Connected MQTT clients', registers: [this.registry] })
  readonly ingestSeconds = new Histogram({
    name: 'outpost_hub_ingest_seconds',
    help: 'Time from receipt of a batch to its ack',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  readonly series = new Gauge({ name: 'outpost_hub_series', help: 'Metric series in the store', registers: [this.registry] })
  readonly headRows = new Gauge({ name: 'outpost_hub_store_head_rows', help: 'Uncompacted batch rows in the store', registers: [this.registry] })
  readonly chunkRows = new Gauge({ name: 'outpost_hub_store_chunk_rows', help: 'Compressed chunk rows in the store', registers: [this.registry] })
  readonly compactions = new Counter({ name: 'outpost_hub_compactions_total', help: 'Compaction runs', registers: [this.registry] })
  readonly compactionsDeferred = new Counter({ name: 'outpost_hub_compactions_deferred_total', help: 'Compaction runs put off because an ingest burst was under way', registers: [this.registry] })

  readonly limited = new Counter({
    name: 'outpost_hub_limited_total',
    help: 'MQTT connections, packets, publishes, subscriptions and batch parts refused or slowed by a security limit or the ACL, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly alertsOpen = new Gauge({ name: 'outpost_hub_alerts', help: 'Open alerts, by state (pending, firing)', labelNames: ['state'], registers: [this.registry] })
  readonly alertNotifications = new Counter({ name: 'outpost_hub_alert_notifications_total', help: 'Alert messages handed to the notifiers', registers: [this.registry] })
  readonly alertIngestWaits = new Counter({ name: 'outpost_hub_alert_ingest_waits_total', help: 'Stored batches whose ack waited for the alert engine to catch up (back-pressure)', registers: [this.registry] })
  readonly storageFull = new Gauge({ name: 'outpost_hub_storage_full', help: '1 while writes to the hub database fail for lack of disk space (ingest paused, nothing acked)', registers: [this.registry] })
  readonly alertErrors = new Counter({ name: 'outpost_hub_alert_engine_errors_total', help: 'Alert engine steps that failed (logged)', registers: [this.registry] })

  constructor() {
    for (const reason of LIMIT_REASONS) this.limited.inc({ reason }, 0)
    // Every rejection reason appears at 0 from the start, so alerts on it can be written before it happens.
    for (const reason of ['too_large', 'malformed', 'too_deep', 'too_many_items', 'unsupported_version', 'invalid_field', 'unknown_field', 'wrong_device', 'store_error', 'storage_full']) {
      this.rejected.inc({ reason }, 0)
    }
    for (const reason of ['too_new', 'too_old']) this.samplesRejected.inc({ reason }, 0)
  }
}
