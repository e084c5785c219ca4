import { decodeStored } from '../storage/stored-cbor.js'
import type { StoredLog } from './search.js'
import type { LogSublevels } from './keys.js'
import { SEP } from './keys.js'

/**
 * Erases one device's log records, their index postings and its error aggregates (docs/security.md, "Deleting a
 * device"). Keys are scanned whole: a record id is `${ts}\0${dev}\0${ep}\0${seq}\0${k}` and every posting ends with one.
 */
export async function purgeDeviceLogs(subs: LogSublevels, device: string): Promise<{ records: number }> {
  let records = 0
  const ofDevice = (id: string) => {
    const parts = id.split(SEP)
    return parts.length >= 5 && parts[parts.length - 4] === device
  }
  const sweep = async (sublevel: LogSublevels['records'], match: (key: string) => boolean, count = false) => {
    let ops: Array<{ type: 'del'; key: string }> = []
    for await (const key of sublevel.keys()) {
      if (!match(key)) continue
      ops.push({ type: 'del', key })
      if (count) records++
      if (ops.length >= 10_000) await sublevel.batch(ops.splice(0))
    }
    if (ops.length > 0) await sublevel.batch(ops)
  }
  await sweep(subs.records, ofDevice, true)
  await sweep(subs.index, ofDevice)
  await sweep(subs.errors, (key) => key.endsWith(`${SEP}${device}`))
  return { records }
}

/** Every stored log line of `device`, oldest first (export). */
export async function* deviceLogs(subs: LogSublevels, device: string): AsyncGenerator<StoredLog> {
  for await (const [key, bytes] of subs.records.iterator()) {
    const parts = key.split(SEP)
    if (parts[parts.length - 4] === device) yield decodeStored<StoredLog>(bytes)
  }
}
