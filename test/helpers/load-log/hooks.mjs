// Module loader hook: appends every module URL the process loads to $OUTPOST_LOAD_LOG (one per line).
import { appendFileSync } from 'node:fs'

export async function load(url, context, next) {
  appendFileSync(process.env.OUTPOST_LOAD_LOG, url + '\n')
  return next(url, context)
}
