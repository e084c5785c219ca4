import type { ValueType } from './ast.js'

// The functions Outpost evaluates, with Prometheus's signatures (promql/parser/functions.go): argument types,
// how many trailing arguments are optional (`variadic`; -1: any number more of the last type), result type.

export interface FunctionSignature {
  args: ValueType[]
  variadic?: number
  returns: ValueType
}

const v = 'vector' as const
const m = 'matrix' as const
const s = 'scalar' as const
const str = 'string' as const

const simple = (names: string[], args: ValueType[], returns: ValueType, variadic?: number) =>
  Object.fromEntries(names.map((n) => [n, { args, returns, ...(variadic !== undefined ? { variadic } : {}) }]))

export const FUNCTIONS: Record<string, FunctionSignature> = {
  ...simple(['abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn', 'absent', 'sort', 'sort_desc', 'timestamp'], [v], v),
  ...simple(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes', 'absent_over_time'], [m], v),
  ...simple(
    ['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'stddev_over_time', 'stdvar_over_time', 'present_over_time'],
    [m],
    v,
  ),
  quantile_over_time: { args: [s, m], returns: v },
  histogram_quantile: { args: [s, v], returns: v },
  clamp: { args: [v, s, s], returns: v },
  clamp_min: { args: [v, s], returns: v },
  clamp_max: { args: [v, s], returns: v },
  round: { args: [v, s], variadic: 1, returns: v },
  time: { args: [], returns: s },
  vector: { args: [s], returns: v },
  scalar: { args: [v], returns: s },
  label_replace: { args: [v, str, str, str, str], returns: v },
  label_join: { args: [v, str, str, str], variadic: -1, returns: v },
}

export const AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values'])

/** Aggregations taking a parameter before the vector, and its type. */
export const AGGREGATION_PARAM: Record<string, ValueType> = { topk: s, bottomk: s, quantile: s, count_values: str }

export const TYPE_NAMES: Record<ValueType, string> = { scalar: 'scalar', vector: 'instant vector', matrix: 'range vector', string: 'string' }
