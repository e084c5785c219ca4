import * as z from 'zod'
import { parseOptions } from '../../../kit/options.js'

/** Filesystem types that hold no user data: kernel, container and in-memory mounts. */
export const DEFAULT_EXCLUDED_FS_TYPES: readonly string[] = [
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fuse.lxcfs',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'overlay',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
]

export const DEFAULT_EXCLUDED_INTERFACES: readonly string[] = ['lo']

const names = z.array(z.string().min(1))

export const systemOptionsSchema = z.strictObject({
  /** Also emit one `system_cpu_usage_ratio` series per logical CPU. */
  perCpu: z.boolean().default(false),
  /** Emit `system_temperature_celsius` where the device has sensors. */
  temperature: z.boolean().default(true),
  filesystems: z
    .strictObject({
      /** Replaces the default list; matched case-insensitively. */
      excludeTypes: names.default(() => [...DEFAULT_EXCLUDED_FS_TYPES]),
    })
    .prefault({}),
  network: z
    .strictObject({
      excludeInterfaces: names.default(() => [...DEFAULT_EXCLUDED_INTERFACES]),
    })
    .prefault({}),
  /** A reading slower than this is reported as failed, so a hung mount cannot stall the agent's tick. */
  timeoutMs: z.number().int().positive().default(5000),
})

export type SystemOptions = z.output<typeof systemOptionsSchema>

/** Checks the `collectors.system` section and fills defaults. No I/O. */
export function parseSystemOptions(raw: unknown): SystemOptions {
  return parseOptions(systemOptionsSchema, raw ?? {})
}
