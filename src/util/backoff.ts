/** Exponential backoff shared by every retry loop (database writes, stream reconnects). */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): `baseMs * 2^(attempt-1)`, capped at `maxMs`,
 * minus up to 25 % jitter so many clients do not retry in lockstep.
 */
export function backoffMs(attempt: number, options: BackoffOptions, random = Math.random): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.75 + 0.25 * random()));
}
