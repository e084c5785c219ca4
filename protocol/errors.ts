/** Why a payload was refused; also the `reason` label of the hub's rejection counter. */
export type DecodeErrorCode =
  | 'too_large'
  | 'malformed'
  | 'too_deep'
  | 'too_many_items'
  | 'unsupported_version'
  | 'invalid_field'
  | 'unknown_field'

export class DecodeError extends Error {
  override readonly name = 'DecodeError'
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message)
  }
}
