import type { Labels } from '../../protocol/batch.js'
import type { ChangeListener, MetricStore, SeriesInfo, SeriesSelector } from './store/types.js'

/** Labels per device as the remote service keeps them (hub/remote/device-labels.ts). */
export interface DeviceLabelSource {
  get(device: string): Labels
  /** Every label name some device has. */
  keys(): ReadonlySet<string>
  /** Calls `listener` after any device's labels change; returns its removal. */
  onChange?(listener: () => void): () => void
}

/**
 * A device's labels (site, model, firmware…) as labels of every series of the device, at query time (docs/query.md,
 * "Device labels"): the store keeps series as the device sent them, and every read through the API sees the device's
 * labels added, the series' own labels winning on a clash. Applied when read, not written at ingest, so relabelling a
 * device (PUT …/labels) changes every series of it at once, old samples included, without new series, rewritten
 * chunks or a series per label value in the index.
 */
export function withDeviceLabels(store: MetricStore, devices: DeviceLabelSource): MetricStore {
  const labelled: MetricStore = Object.create(store)
  labelled.series = async (selector: SeriesSelector) => {
    const keys = devices.keys()
    if (keys.size === 0) return store.series(selector)
    // Matchers on a device label key cannot go to the index (a series may not carry it): match them after merging.
    const own: Labels = {}
    const merged: Labels = {}
    for (const [k, v] of Object.entries(selector.labels ?? {})) (keys.has(k) ? merged : own)[k] = v
    const found = await store.series({ ...selector, labels: own })
    const out: SeriesInfo[] = []
    for (const info of found) {
      const extra = info.labels.device === undefined ? undefined : devices.get(info.labels.device)
      const withDevice = extra && Object.keys(extra).length > 0 ? { ...info, labels: { ...extra, ...info.labels } } : info
      if (Object.entries(merged).every(([k, v]) => withDevice.labels[k] === v)) out.push(withDevice)
    }
    return out
  }
  // Relabelling changes every answer that shows the device's series: a change like a deletion (-Infinity).
  const storeChange = store.onChange?.bind(store)
  const labelChange = devices.onChange?.bind(devices)
  labelled.onChange = storeChange && labelChange
    ? (listener: ChangeListener) => {
        const offStore = storeChange(listener)
        const offLabels = labelChange(() => listener(-Infinity))
        return () => {
          offStore()
          offLabels()
        }
      }
    : undefined
  // Reads and everything else go to the store itself; read() hands back the SeriesInfo it was given.
  for (const name of ['open', 'close', 'ingest', 'names', 'read', 'readRollups', 'compact', 'stats'] as const) {
    const fn = store[name] as unknown
    if (typeof fn === 'function') (labelled as unknown as Record<string, unknown>)[name] = fn.bind(store)
  }
  return labelled
}
