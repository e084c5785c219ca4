// Prometheus's error envelope (web/api/v1 `respondError`): {status:"error", errorType, error} with the status its
// own onError gives each type.

export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'not_found' | 'unavailable'

const STATUS: Record<PromErrorType, 400 | 422 | 503 | 500 | 404> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 503,
  internal: 500,
  not_found: 404,
  unavailable: 503,
}

export class PromError extends Error {
  constructor(
    readonly type: PromErrorType,
    message: string,
  ) {
    super(message)
  }

  get status(): 400 | 422 | 503 | 500 | 404 {
    return STATUS[this.type]
  }
}

/** A parse or type error in the query text, positioned as Prometheus writes it (`1:COL: parse error: …`). */
export function parseError(query: string, pos: number, message: string): PromError {
  let line = 1
  let col = 1
  for (let i = 0; i < pos && i < query.length; i++) {
    if (query[i] === '\n') {
      line++
      col = 1
    } else col++
  }
  return new PromError('bad_data', `${line}:${col}: parse error: ${message}`)
}

/** An error while evaluating (too many samples, many-to-many matching, …): 422 execution. */
export function executionError(message: string): PromError {
  return new PromError('execution', message)
}
