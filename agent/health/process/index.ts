// The process check: at least `minCount` running processes match a name or a command-line pattern. See README.md.
import { basename } from 'node:path'
import * as z from 'zod'
import { checked, OptionsError } from '../../../kit/options.js'
import type { HealthKindPlugin, HealthProbe, ProbeOutcome } from '../types.js'
import { defaultProcessSource, type ProcessInfo, type ProcessSource } from './source.js'

/** Linux keeps only this many characters of a process name in /proc/<pid>/comm. */
const COMM_LENGTH = 15

const optionsSchema = z.strictObject({
  processName: z.string().min(1).optional(),
  cmdlineMatches: z.string().min(1).optional(),
  minCount: z.number().int().min(1).default(1),
})

export interface ProcessCheckOptions {
  processName?: string
  cmdlineMatches?: RegExp
  minCount: number
}

export const processOptions = checked(optionsSchema, (o): ProcessCheckOptions => {
  if (o.processName === undefined && o.cmdlineMatches === undefined) {
    throw new OptionsError('processName', 'give processName, cmdlineMatches, or both')
  }
  const options: ProcessCheckOptions = { minCount: o.minCount }
  if (o.processName !== undefined) options.processName = o.processName
  if (o.cmdlineMatches !== undefined) {
    try {
      options.cmdlineMatches = new RegExp(o.cmdlineMatches)
    } catch (err) {
      throw new OptionsError('cmdlineMatches', `not a valid regular expression: ${(err as Error).message}`)
    }
  }
  return options
})

export function processCheckPlugin(source: ProcessSource = defaultProcessSource()): HealthKindPlugin<typeof processOptions> {
  return {
    name: 'process',
    description: 'a process with a given name or command line is running',
    options: processOptions,
    create: (options) => new ProcessProbe(options, source),
  }
}

export class ProcessProbe implements HealthProbe {
  constructor(
    private readonly options: ProcessCheckOptions,
    private readonly source: ProcessSource,
  ) {}

  async probe(): Promise<ProbeOutcome> {
    const { minCount } = this.options
    const matching = (await this.source()).filter((p) => this.matches(p) && p.pid !== process.pid)
    const what = this.describe()
    if (matching.length >= minCount) return { status: 'healthy', message: `${matching.length} running ${what}` }
    return { status: 'unhealthy', message: `${matching.length} running ${what}, expected at least ${minCount}` }
  }

  private matches(p: ProcessInfo): boolean {
    const { processName, cmdlineMatches } = this.options
    if (processName !== undefined && !nameMatches(p, processName)) return false
    return cmdlineMatches === undefined || cmdlineMatches.test(p.cmdline)
  }

  private describe(): string {
    const { processName, cmdlineMatches } = this.options
    const parts = [processName !== undefined ? `named "${processName}"` : '', cmdlineMatches ? `with command line matching /${cmdlineMatches.source}/` : '']
    return `process(es) ${parts.filter(Boolean).join(' and ')}`
  }
}

/** The name as the kernel keeps it; a name longer than 15 characters must also be argv[0]'s basename. */
function nameMatches(p: ProcessInfo, wanted: string): boolean {
  if (p.name === wanted) return true
  return wanted.length > COMM_LENGTH && p.name === wanted.slice(0, COMM_LENGTH) && basename(p.cmdline.split(' ')[0] ?? '') === wanted
}
