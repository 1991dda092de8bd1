/**
 * Exponential backoff with jitter, so many clients that lost the same server (or crashes of
 * the same cause) do not all come back at the same instant. Two ways to randomise:
 *
 * - `'full'` (the default): a random delay between 0 and the exponential cap. Best for many
 *   clients of one server (the speech service reconnects).
 * - `'spread'`: the cap ±20%. For one owned child process: each restart waits clearly longer
 *   than the last, so a crash loop slows down at the pace the numbers say, never by luck.
 */
export interface BackoffOptions {
  /** Cap of the first retry, in ms. */
  readonly baseMs: number;
  /** Largest delay, in ms. */
  readonly maxMs: number;
  readonly jitter?: 'full' | 'spread';
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 };

/** How far `'spread'` strays from the cap, either way. */
const SPREAD = 0.2;

/** Delay before retry number `attempt` (1 = first retry). `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  if (options.jitter === 'spread') return Math.round(cap * (1 - SPREAD + random() * 2 * SPREAD));
  // Never quite zero: a server that just dropped us deserves a breath.
  return Math.max(Math.min(50, cap), Math.round(random() * cap));
}
