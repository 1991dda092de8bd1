import type { ErrorCode } from '../../shared/errors.ts';
import type { SessionSnapshot } from '../../shared/session.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { SessionWarnings, type SessionWarning } from './session-warnings.ts';

/** Where the publisher sends what it publishes (the session's own events). */
export interface PublishTo {
  snapshot(snapshot: SessionSnapshot): void;
  warning(warning: SessionWarning): void;
}

/**
 * How the session tells the app what it is doing: a snapshot on every change, and warnings
 * (each code at most every 30 s, SessionWarnings). While frames pile up in the buffer (an
 * outage), a snapshot goes out only when a second has passed and the buffered audio moved
 * by 200 ms, so the app sees the backlog grow without a snapshot per frame.
 */
export class SessionPublisher {
  readonly #warnings = new SessionWarnings();
  readonly #snapshot: () => SessionSnapshot;
  readonly #to: PublishTo;
  readonly #log: Logger;
  #last = { at: 0, bufferedMs: 0 };

  constructor(snapshot: () => SessionSnapshot, to: PublishTo, log: Logger) {
    this.#snapshot = snapshot;
    this.#to = to;
    this.#log = log;
  }

  get warnings(): readonly SessionWarning[] {
    return this.#warnings.list;
  }

  /** A new run starts without the last run's warnings. */
  resetWarnings(): void {
    this.#warnings.reset();
  }

  warn(code: ErrorCode, message: string): void {
    this.#log.warn(message, { code });
    if (!this.#warnings.add(code, message)) return;
    this.#to.warning({ code, message });
    this.publish();
  }

  clearWarnings(codes: readonly ErrorCode[]): void {
    this.#warnings.clear(codes);
    this.publish();
  }

  /** Publishes only when the buffered audio changed enough since the last snapshot (see above). */
  publishBuffered(bufferedMs: number): void {
    const now = performance.now();
    if (now - this.#last.at < 1_000 || Math.abs(bufferedMs - this.#last.bufferedMs) < 200) return;
    this.publish();
  }

  publish(): void {
    const snapshot = this.#snapshot();
    this.#last = { at: performance.now(), bufferedMs: snapshot.bufferedMs };
    this.#to.snapshot(snapshot);
  }
}
