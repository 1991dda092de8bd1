/**
 * Exponential backoff with "full jitter" (a random delay between 0 and the exponential cap):
 * many clients that lost the same server do not all come back at the same instant.
 */
export interface BackoffOptions {
  /** Cap of the first retry, in ms. */
  readonly baseMs: number;
  /** Largest delay, in ms. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 };

/** Delay before retry number `attempt` (1 = first retry). `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  // Never quite zero: a server that just dropped us deserves a breath.
  return Math.max(Math.min(50, cap), Math.round(random() * cap));
}
