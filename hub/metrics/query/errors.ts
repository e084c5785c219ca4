// A query the caller can fix: the HTTP error handler answers {error:{code, message}} with `status` (DESIGN §7).
import { StatusError } from '../../errors.js'

export type QueryErrorCode =
  | 'bad_parameter'
  | 'missing_parameter'
  | 'unknown_parameter'
  | 'too_many_points'
  | 'too_many_series'

/** 400 for a malformed request; 422 for a well-formed one that would cost more than the limits allow. */
const STATUS_BY_CODE: Record<QueryErrorCode, 400 | 422> = {
  bad_parameter: 400,
  missing_parameter: 400,
  unknown_parameter: 400,
  too_many_points: 422,
  too_many_series: 422,
}

export class QueryError extends StatusError {
  override readonly name = 'QueryError'
  declare readonly status: 400 | 422
  declare readonly code: QueryErrorCode

  constructor(
    code: QueryErrorCode,
    message: string,
    /** The query parameter at fault, when there is one. */
    readonly param?: string,
  ) {
    super(STATUS_BY_CODE[code], code, message)
  }
}

/** The usual error: `param` has a value we cannot use. */
export function badParameter(param: string, value: string, why: string): QueryError {
  return new QueryError('bad_parameter', `invalid ${param}=${JSON.stringify(value)}: ${why}`, param)
}
