import type { Logger } from '../log/logger.ts';
import { backoffDelay } from './backoff.ts';
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
  /**
   * The retiring connection is done. `unfinishedSamples` > 0: it ended before accounting for
   * that much of its audio. The session forgets its partials and re-checks the drain.
   */
  retired(conn: ProviderConnection, unfinishedSamples: number): void;
}

/**
 * Proactive rotation before a provider's session limit, with overlap.
 *
 * When the limit nears, a successor is opened beside the current connection. Once it is
 * ready, audio switches to it at the first turn boundary (or when the grace runs out): the old
 * connection is asked to end its stream and keeps running until it has accounted for its
 * audio ("retiring"), while the successor streams from the switch point on. What the successor
 * settles meanwhile is held back (deferred), because the buffer only ever releases a prefix and
 * the retiring connection's range comes first.
 */
export class Rotation {
  readonly #host: RotationHost;
  #pending: ProviderConnection | null = null;
  #pendingReady = false;
  #pendingExpiresAt: number | undefined;
  #dueAt: number | null = null;
  /** The predecessor finishing its last turn; audio before `until` is its. */
  #retiring: { conn: ProviderConnection; until: number } | null = null;
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

  isPending(conn: ProviderConnection): boolean {
    return conn === this.#pending;
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

  onPendingReady(expiresAtMs: number | undefined): void {
    this.#pendingReady = true;
    this.#pendingExpiresAt = expiresAtMs;
    this.check();
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
    this.#retiring = { conn, until: conn.next };
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
    return retiring;
  }

  #finishRetire(early: boolean): void {
    const retiring = this.#retiring;
    if (!retiring) return;
    this.#retiring = null;
    this.#host.timers.clear('retire');
    const buffer = this.#host.buffer;
    const unfinished = early ? Math.max(0, retiring.until - buffer.start) : 0;
    if (!retiring.conn.ended) retiring.conn.close();
    buffer.release(Math.max(retiring.until, this.#deferredRelease));
    this.#deferredRelease = 0;
    this.#host.retired(retiring.conn, unfinished);
  }
}
