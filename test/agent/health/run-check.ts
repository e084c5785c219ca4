import type { HealthResult } from '../../../protocol/batch.js'
import { createHealthChecks } from '../../../agent/health/registry.js'
import { HealthScheduler } from '../../../agent/health/scheduler.js'
import type { HealthCheck } from '../../../agent/health/types.js'
import { silent } from '../../helpers/temp.js'

/** Builds one check from a config entry, as the agent does, and returns a function that runs it once. */
export function checkFromConfig(entry: Record<string, unknown>): { check: HealthCheck; run: () => Promise<HealthResult> } {
  const [check] = createHealthChecks([{ name: 'under-test', ...entry }], { log: silent })
  const scheduler = new HealthScheduler([check], { emit: async () => {}, log: silent })
  return { check, run: () => scheduler.runOnce(check) }
}
