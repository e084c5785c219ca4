// DESIGN §7: one error path. An error a caller can fix carries its own HTTP status, code and extra fields (as Hono's
// HTTPException does), so the API's one handler answers it without knowing its class; a new error type needs no
// change in hub/api/.

export class StatusError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503,
    readonly code: string,
    message: string,
    /** Added to the `error` object of the answer, e.g. `{field: 'window'}`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
  }
}
