import { z } from 'zod'
import { fieldError } from '../alerts/rule-schema.js'

/** Panel kinds the console draws (docs/console.md "Dashboards"). */
export const PANEL_TYPES = ['graph', 'stat', 'gauge', 'table', 'heatmap', 'histogram'] as const
export const REDUCERS = ['last', 'sum', 'avg', 'min', 'max', 'count'] as const

const ID = /^[A-Za-z0-9._-]{1,64}$/

const threshold = z.object({ value: z.number(), color: z.enum(['green', 'yellow', 'orange', 'red', 'blue', 'grey']) }).strict()

const panel = z
  .object({
    title: z.string().min(1).max(200),
    type: z.enum(PANEL_TYPES),
    /** A GET of this API, path and query string; the console adds from/to/step when the query names none. */
    query: z
      .string()
      .max(2000)
      .regex(/^\/v1\/[A-Za-z0-9/_-]+(\?.*)?$/, 'must be a path of this API starting with /v1/ (e.g. /v1/metrics/query?name=…)')
      .refine((q) => !q.includes('..') && !q.startsWith('/v1/events'), 'must be a plain /v1/ read, not /v1/events or a path with ..'),
    /** Where the number is in the response: a dotted path; `a[]` maps over an array (stat, gauge, table). */
    field: z.string().max(200).regex(/^[A-Za-z0-9_.[\]]+$/, 'must be a dotted path like counts.online or devices[].counters.samples').optional(),
    reduce: z.enum(REDUCERS).optional(),
    /** Show the change per second between refreshes (counters such as samples ingested). */
    rate: z.boolean().optional(),
    unit: z.string().max(20).optional(),
    decimals: z.number().int().min(0).max(6).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** Colours from each value up (sorted ascending). */
    thresholds: z.array(threshold).max(10).optional(),
    /** Table columns, in order (default: the rows' first keys). */
    columns: z.array(z.string().min(1).max(100)).max(12).optional(),
    /** Width in twelfths of the row (default: graphs and heatmaps 6, others 3). */
    width: z.number().int().min(1).max(12).optional(),
  })
  .strict()

export const dashboardSchema = z
  .object({
    id: z.string().regex(ID, 'must match [A-Za-z0-9._-]{1,64}').refine((s) => s !== '__proto__' && s !== 'constructor', 'is a reserved name'),
    title: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    panels: z.array(panel).max(50),
  })
  .strict()

export type Dashboard = z.infer<typeof dashboardSchema>
export type Panel = Dashboard['panels'][number]

/** A stored dashboard: as given, plus who saved it when, and whether it came from `--dashboards`. */
export interface StoredDashboard extends Dashboard {
  updatedAt: number
  updatedBy: string
  provisioned: boolean
}

/** Parses a dashboard; a bad one throws RuleError naming the field (400 through the API's error path). */
export function parseDashboard(input: unknown, prefix = ''): Dashboard {
  const r = dashboardSchema.safeParse(input)
  if (!r.success) throw fieldError(r.error, prefix)
  return r.data
}
