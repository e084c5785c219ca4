/** Exponential backoff with "full jitter" (AWS Architecture Blog), so a fleet does not reconnect in lockstep. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(baseMs / 2 + random() * (ceiling - baseMs / 2))
}
