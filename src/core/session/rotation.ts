import type { Logger } from '../../platform/log/logger.ts';
import { backoffDelay } from '../../platform/backoff.ts';
import type { ConnectionEnd, ProviderConnection } from './connection.ts';
import type { ReplayBuffer } from './replay-buffer.ts';
import { rotationDelay, type ResolvedSessionOptions } from './session-options.ts';
import type { SessionTimers } from './session-timers.ts';

/** What rotation needs from the session. */
export interface RotationHost {
  readonly options: ResolvedSessionOptions;
  /** The provider's hard session limit (ms), or null. */
  readonly maxSessionMs: number | null;
  readonly timers: SessionTimers;
  readonly log: Logger;
  readonly buffer: ReplayBuffer;
  /** The connection audio goes to; rotation replaces it at the switch. */
  current: ProviderConnection | null;
  /** Rotation only switches while streaming (not while reconnecting or stopping). */
  readonly streaming: boolean;
  /** Opens a connection that reports its events and end to the session like any other. */
  openConnection(): ProviderConnection;
  /** Sends what the connection has not had yet, then asks the service to end the stream. */
  sendEnd(conn: ProviderConnection): void;
  /** The connection is still catching up on a paced replay (no switch before it has all its audio). */
  isBehind(conn: ProviderConnection): boolean;
  /** Counted when a successor is opened. */
  countRotation(): void;
  /** `heir` re-sends the audio of dead `conn`: the partials `conn` showed wait for `heir`. */
  handOver(conn: ProviderConnection, heir: ProviderConnection): void;
  /**
   * The retiring connection is done. `unfinishedSamples` > 0: it (and every repair) ended
   * before accounting for that much audio. The session forgets its partials and re-checks the drain.
   */
  retired(conn: ProviderConnection, unfinishedSamples: number): void;
}

/** Connections opened to re-send a retiring connection's unfinished audio before giving it up. */
const MAX_REPAIRS = 3;

/**
 * Proactive rotation before a provider's session limit, with overlap.
 *
 * When the limit nears, a successor is opened beside the current connection. Once it is
 * ready, audio switches to it at the first turn boundary (or when the grace runs out): the old
 * connection is asked to end its stream and keeps running until it has accounted for its
 * audio ("retiring"), while the successor streams from the switch point on. What the successor
 * settles meanwhile is held back (deferred), because the buffer only ever releases a prefix and
 * the retiring connection's range comes first.
 *
 * If the retiring connection dies before accounting for all its audio, a repair connection
 * is opened that re-sends exactly the unaccounted part of its range and ends its stream; it
 * takes the retiring connection's place until it has accounted for that audio. The successor
 * never sees that audio (no final twice), and nothing of it is lost. Its finals, though, may
 * come after the successor's: so the successor's finals wait until retiring is over
 * (ServiceLink.holdsFinals), and the transcript stays in audio order.
 */
export class Rotation {
  readonly #host: RotationHost;
  #pending: ProviderConnection | null = null;
  #pendingReady = false;
  #pendingExpiresAt: number | undefined;
  #dueAt: number | null = null;
  /** The predecessor finishing its last turn (or a repair re-sending it); audio before `until` is its. */
  #retiring: { conn: ProviderConnection; until: number; repairs: number } | null = null;
  /** What the current connection settled while a predecessor was still retiring. */
  #deferredRelease = 0;

  constructor(host: RotationHost) {
    this.#host = host;
  }

  get retiring(): boolean {
    return this.#retiring !== null;
  }

  get retiringConnection(): ProviderConnection | null {
    return this.#retiring?.conn ?? null;
  }

  /** A connection rotation opened is ready (the successor, or a repair). False: not one of rotation's. */
  onReady(conn: ProviderConnection, expiresAtMs: number | undefined): boolean {
    if (conn === this.#pending) {
      this.#pendingReady = true;
      this.#pendingExpiresAt = expiresAtMs;
      this.check();
      return true;
    }
    const retiring = this.#retiring;
    if (retiring?.conn !== conn || conn.live) return false;
    // The repair re-sends what the service has not accounted for, up to the switch point.
    conn.markLive(this.#host.buffer.start);
    conn.until = retiring.until;
    this.#host.sendEnd(conn);
    return true;
  }

  /** Where a connection that goes live now starts: after whatever the retiring one owns. */
  liveFrom(): number {
    const buffer = this.#host.buffer;
    return this.#retiring ? Math.max(this.#retiring.until, this.#deferredRelease, buffer.start) : buffer.start;
  }

  /** Arms the rotation timer for a connection that just became live. */
  schedule(expiresAtMs: number | undefined): void {
    const delay = rotationDelay(this.#host.options, this.#host.maxSessionMs, expiresAtMs, Date.now());
    if (delay === null) return;
    this.#host.timers.after('rotate', delay, () => {
      this.#dueAt = performance.now();
      this.check();
    });
  }

  /** Opens the successor early, then switches at the first turn boundary (or after the grace). */
  check(): void {
    const host = this.#host;
    if (this.#dueAt === null || !host.streaming || this.#retiring) return;
    const conn = host.current;
    if (!conn?.live) return;
    if (!this.#pending) {
      host.countRotation();
      this.#pending = host.openConnection();
      this.#pendingReady = false;
      return;
    }
    if (!this.#pendingReady) return;
    const graceOver = performance.now() - this.#dueAt > host.options.rotationGraceMs;
    if ((conn.stream.inTurn() && !graceOver) || conn.stream.hasBatchedAudio() || host.isBehind(conn)) return;
    host.sendEnd(conn);
    this.#retiring = { conn, until: conn.next, repairs: 0 };
    host.timers.after('retire', host.options.drainTimeoutMs, () => this.#finishRetire(true));
    const next = this.#pending;
    this.#pending = null;
    this.#pendingReady = false;
    this.#dueAt = null;
    host.current = next;
    next.markLive(conn.next);
    host.log.info('rotated the provider connection', { from: conn.id, to: next.id, atSample: conn.next });
    this.schedule(this.#pendingExpiresAt);
  }

  /**
   * The service accounted for audio up to `until` (session samples) on `conn`. Returns true
   * when rotation took care of it (the retiring connection, or the successor while one retires);
   * false: the session releases it as usual.
   */
  settle(conn: ProviderConnection, until: number): boolean {
    const retiring = this.#retiring;
    if (retiring?.conn === conn) {
      this.#host.buffer.release(Math.min(until, retiring.until));
      if (until >= retiring.until) this.#finishRetire(false);
      return true;
    }
    if (retiring && conn === this.#host.current) {
      this.#deferredRelease = Math.max(this.#deferredRelease, until);
      return true;
    }
    return false;
  }

  /** A connection ended. True when it was the retiring one or the successor being opened. */
  onEnd(conn: ProviderConnection, end: ConnectionEnd): boolean {
    if (conn === this.#retiring?.conn) {
      this.#finishRetire(true);
      return true;
    }
    if (conn !== this.#pending) return false;
    this.#pending = null;
    this.#pendingReady = false;
    this.#host.log.warn('the rotation connection failed; retrying', end);
    if (this.#dueAt !== null)
      this.#host.timers.after('rotate-retry', backoffDelay(1, this.#host.options.backoff), () => this.check());
    return true;
  }

  /** No rotation now (reconnecting, stopping): drops the successor being opened. */
  cancel(): void {
    this.#dueAt = null;
    this.#host.timers.clear('rotate');
    this.#host.timers.clear('rotate-retry');
    if (this.#pending) {
      const pending = this.#pending;
      this.#pending = null;
      pending.terminate();
    }
  }

  /** The session is over: cancels, and hands back the retiring connection for the session to close. */
  reset(): ProviderConnection | null {
    this.cancel();
    const retiring = this.#retiring?.conn ?? null;
    this.#retiring = null;
    this.#deferredRelease = 0;
    this.#host.timers.clear('retire');
    this.#host.timers.clear('repair');
    return retiring;
  }

  #finishRetire(early: boolean): void {
    const retiring = this.#retiring;
    if (!retiring) return;
    const host = this.#host;
    host.timers.clear('retire');
    const buffer = host.buffer;
    const unfinished = early ? Math.max(0, retiring.until - buffer.start) : 0;
    if (!retiring.conn.ended) retiring.conn.close();
    if (unfinished > 0 && retiring.repairs < MAX_REPAIRS) {
      this.#repair(retiring);
      return;
    }
    this.#retiring = null;
    buffer.release(Math.max(retiring.until, this.#deferredRelease));
    this.#deferredRelease = 0;
    host.retired(retiring.conn, unfinished);
  }

  /** Opens a connection to re-send the unaccounted part of the retiring range (at once the first time). */
  #repair(retiring: { conn: ProviderConnection; until: number; repairs: number }): void {
    const host = this.#host;
    retiring.repairs += 1;
    const dead = retiring.conn;
    const open = (): void => {
      if (this.#retiring !== retiring) return;
      const repair = host.openConnection();
      host.handOver(dead, repair);
      retiring.conn = repair;
      host.log.warn('the retiring connection ended early; re-sending its unfinished audio', {
        from: dead.id,
        to: repair.id,
        samples: retiring.until - host.buffer.start,
      });
      // Bounded like the retiring connection itself; when it fires, the next repair is tried.
      host.timers.after('retire', host.options.drainTimeoutMs, () => this.#finishRetire(true));
    };
    if (retiring.repairs === 1) open();
    else host.timers.after('repair', backoffDelay(retiring.repairs - 1, host.options.backoff), open);
  }
}
