// Key layout of the health tables (DESIGN §6: health current and history). Fixed-width numbers keep key order equal
// to time order; device ids never contain `|` (DESIGN §3), so `${device}|` is an exact prefix.
import type { HealthStatus } from '../../protocol/batch.js'
import { decimalKey } from '../storage/time-keys.js'

export const DAY_MS = 86_400_000
/** Largest timestamp a key can hold (15 digits, about the year 33658); rows outside [0, this] are not stored. */
export const MAX_KEY_TS = 999_999_999_999_999

/** One stored health result, with the device it came from and its timestamp after clock correction. */
export interface HealthRow {
  device: string
  check: string
  kind: string
  status: HealthStatus
  ts: number
  latencyMs?: number
  message?: string
}

/** The newest result of one (device, check), and since when its status has been what it is. */
export interface CurrentHealth extends HealthRow {
  since: number
}

export function dayOf(ts: number): number {
  return Math.floor(ts / DAY_MS)
}

export const tsKey = (ts: number) => decimalKey(ts, 15)
export const dayKey = (day: number) => decimalKey(day, 6)

/** History by time: `${dayBucket}|${ts}|${device}|${check}`; retention deletes whole day ranges. */
export function historyKey(row: HealthRow): string {
  return `${dayKey(dayOf(row.ts))}|${tsKey(row.ts)}|${row.device}|${row.check}`
}

/** History by device: `${device}|${ts}|${check}`, so one device's history is one key range. */
export function deviceHistoryKey(row: HealthRow): string {
  return `${row.device}|${tsKey(row.ts)}|${row.check}`
}

export function currentKey(device: string, check: string): string {
  return `${device}|${check}`
}

/** Keys of history rows with ts in [from, to] (clamped to the key range). `}` is the byte after `|`: the upper bound
 *  covers every key of ts `to`, whatever check name follows. */
export function historyRange(from: number, to: number): { gte: string; lt: string } {
  const lo = clampTs(from)
  const hi = clampTs(to)
  return { gte: `${dayKey(dayOf(lo))}|${tsKey(lo)}|`, lt: `${dayKey(dayOf(hi))}|${tsKey(hi)}}` }
}

export function deviceHistoryRange(device: string, from: number, to: number): { gte: string; lt: string } {
  return { gte: `${device}|${tsKey(clampTs(from))}|`, lt: `${device}|${tsKey(clampTs(to))}}` }
}

function clampTs(ts: number): number {
  return Math.min(MAX_KEY_TS, Math.max(0, Math.floor(ts)))
}
