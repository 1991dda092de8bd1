import { backoffDelay, type BackoffOptions } from '../../platform/backoff.ts';
import type { ProviderConnection } from './connection.ts';
import type { LinkState, Retiring, Successor } from './link-state.ts';

/**
 * Proactive rotation before a provider's session limit, with overlap: the decisions. The
 * link (service-link.ts) carries them out; nothing here opens, sends or closes anything.
 *
 * When the limit nears, a successor is opened beside the current connection. Once it is
 * ready, audio switches to it at the first turn boundary (or when the grace runs out): the old
 * connection is asked to end its stream and keeps running until it has accounted for its
 * audio ("retiring"), while the successor streams from the switch point on. What the successor
 * settles meanwhile is held back (LinkState.deferredRelease), because the buffer only ever
 * releases a prefix and the retiring connection's range comes first.
 *
 * If the retiring connection dies before accounting for all its audio, a repair connection
 * is opened that re-sends exactly the unaccounted part of its range and ends its stream; it
 * takes the retiring connection's place until it has accounted for that audio. The successor
 * never sees that audio (no final twice), and nothing of it is lost. Its finals, though, may
 * come after the successor's: so the successor's finals wait until retiring is over
 * (LinkState.holdsFinals), and the transcript stays in audio order.
 */

/** Connections opened to re-send a retiring connection's unfinished audio before giving it up. */
export const MAX_REPAIRS = 3;

/** What rotation wants done now (a frame came, a timer fired, the successor became ready). */
export type RotationStep =
  | { readonly kind: 'none' }
  /** Rotation is due: open the successor beside the current connection. */
  | { readonly kind: 'open-successor' }
  /** The successor is ready and `from` is at a turn boundary (or out of grace): switch audio to it. */
  | { readonly kind: 'switch'; readonly from: ProviderConnection; readonly to: Successor };

/** What follows once the retiring connection is done with its range, finished or not. */
export type RetireStep =
  /** It ended with audio unaccounted for: re-send that audio on a new connection after `delayMs`. */
  | { readonly kind: 'repair'; readonly dead: ProviderConnection; readonly delayMs: number }
  /** Retiring is over; `unfinished` samples were given up on (0: all of it was accounted for). */
  | { readonly kind: 'retired'; readonly conn: ProviderConnection; readonly unfinished: number };

const NONE: RotationStep = { kind: 'none' };

/**
 * Rotation only moves while streaming (not while reconnecting or stopping), with nothing
 * retiring, once the rotation timer said it is due. It never switches in the middle of a
 * turn (until the grace is over), with audio batched in the adapter, or while the current
 * connection is still catching up on a paced replay.
 */
export function nextRotationStep(state: LinkState, graceMs: number, now: number): RotationStep {
  const dueAt = state.rotationDueAt;
  const conn = state.current;
  if (dueAt === null || state.lifecycle !== 'streaming' || state.retiring || !conn?.live) return NONE;
  const successor = state.successor;
  if (!successor) return { kind: 'open-successor' };
  if (!successor.ready) return NONE;
  const graceOver = now - dueAt > graceMs;
  if ((conn.stream.inTurn() && !graceOver) || conn.stream.hasBatchedAudio() || conn.catchingUp) return NONE;
  return { kind: 'switch', from: conn, to: successor };
}

/**
 * `early`: the retiring connection ended, or ran out of time, rather than accounting for its
 * whole range. What it left is repaired, the first time at once, then with backoff, at most
 * MAX_REPAIRS times.
 */
export function afterRetiring(
  state: LinkState,
  retiring: Retiring,
  early: boolean,
  backoff: BackoffOptions,
): RetireStep {
  const unfinished = early ? Math.max(0, retiring.until - state.buffer.start) : 0;
  if (unfinished > 0 && retiring.repairs < MAX_REPAIRS) {
    const delayMs = retiring.repairs === 0 ? 0 : backoffDelay(retiring.repairs, backoff);
    return { kind: 'repair', dead: retiring.conn, delayMs };
  }
  return { kind: 'retired', conn: retiring.conn, unfinished };
}
