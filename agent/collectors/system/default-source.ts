// Which real source the system collector reads (kept apart from ./source.ts, which ./linux-source.ts imports).
import { existsSync } from 'node:fs'
import { linuxSource } from './linux-source.js'
import { systeminformationSource, type SystemSource } from './source.js'

/** The real OS: /proc and /sys on Linux (./linux-source.ts), `systeminformation` elsewhere. */
export function defaultSystemSource(): SystemSource {
  return process.platform === 'linux' && existsSync('/proc/stat') ? linuxSource() : systeminformationSource()
}
