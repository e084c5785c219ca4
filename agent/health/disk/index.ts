// The disk check: free space on the filesystem holding `path`, against two thresholds. See README.md.
import { statfs } from 'node:fs/promises'
import * as z from 'zod'
import { checked, OptionsError } from '../../../kit/options.js'
import type { HealthKindPlugin, HealthProbe, ProbeOutcome } from '../types.js'
import { formatBytes, parseThreshold, type Threshold } from './threshold.js'

const thresholdInput = z.union([z.number().nonnegative(), z.string().min(1)])

const optionsSchema = z.strictObject({
  path: z.string().min(1).default('/'),
  degradedBelow: thresholdInput.default('10%'),
  unhealthyBelow: thresholdInput.default('5%'),
})

export interface DiskCheckOptions {
  path: string
  degradedBelow: Threshold
  unhealthyBelow: Threshold
}

export interface DiskSpace {
  freeBytes: number
  totalBytes: number
}

/** Free space as an unprivileged process may use it (`bavail`, not `bfree`: root's reserve is not ours). */
export async function statfsSpace(path: string): Promise<DiskSpace> {
  const s = await statfs(path)
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize }
}

export const diskOptions = checked(optionsSchema, (o): DiskCheckOptions => {
  const degradedBelow = parseThreshold(o.degradedBelow, 'degradedBelow')
  const unhealthyBelow = parseThreshold(o.unhealthyBelow, 'unhealthyBelow')
  if (degradedBelow.unit === unhealthyBelow.unit && unhealthyBelow.value > degradedBelow.value) {
    throw new OptionsError('unhealthyBelow', `must not be above degradedBelow (${degradedBelow.text})`)
  }
  return { path: o.path, degradedBelow, unhealthyBelow }
})

export function diskCheckPlugin(readSpace: (path: string) => Promise<DiskSpace> = statfsSpace): HealthKindPlugin<typeof diskOptions> {
  return {
    name: 'disk',
    description: 'free space on the filesystem holding a path stays above thresholds',
    options: diskOptions,
    create: (options) => new DiskProbe(options, readSpace),
  }
}

export class DiskProbe implements HealthProbe {
  constructor(
    private readonly options: DiskCheckOptions,
    private readonly readSpace: (path: string) => Promise<DiskSpace>,
  ) {}

  async probe(): Promise<ProbeOutcome> {
    const { path, degradedBelow, unhealthyBelow } = this.options
    let space: DiskSpace
    try {
      space = await this.readSpace(path)
    } catch (err) {
      // A path that vanished (an unmounted volume) is a failed target, not a failed check.
      return { status: 'unhealthy', message: `cannot read free space of ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }
    }
    const percent = space.totalBytes > 0 ? (space.freeBytes / space.totalBytes) * 100 : 0
    const free = `${formatBytes(space.freeBytes)} free (${percent.toFixed(1)}%) on ${path}`
    if (isBelow(space, percent, unhealthyBelow)) return { status: 'unhealthy', message: `${free}, below ${unhealthyBelow.text}` }
    if (isBelow(space, percent, degradedBelow)) return { status: 'degraded', message: `${free}, below ${degradedBelow.text}` }
    return { status: 'healthy', message: free }
  }
}

function isBelow(space: DiskSpace, percent: number, threshold: Threshold): boolean {
  return threshold.unit === 'percent' ? percent < threshold.value : space.freeBytes < threshold.value
}
