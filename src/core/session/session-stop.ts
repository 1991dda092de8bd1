import type { ErrorCode } from '../../shared/errors.ts';
import type { FrameSource } from '../../shared/audio-frame.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { DrainWaiter } from './drain-waiter.ts';
import { FinishDeadline, undrainedWarning } from './finish-deadline.ts';
import type { LinkState } from './link-state.ts';
import type { ServiceLink } from './service-link.ts';
import type { SessionTimers } from './session-timers.ts';
import type { TranscriptOutput } from './transcript-output.ts';

/** The session parts a stop works on; the session keeps its state machine and start() waiter. */
export interface StopParts {
  readonly state: LinkState;
  readonly link: ServiceLink;
  readonly timers: SessionTimers;
  readonly output: TranscriptOutput;
  readonly source: FrameSource;
  readonly log: Logger;
  readonly providerLabel: string;
  readonly drainTimeoutMs: number;
  warn(code: ErrorCode, message: string): void;
}

/**
 * How a run ends. A stop drains: the source stops, the service is asked to finish, and the
 * wait for its last finals is bounded by the drain timeout and, when quitting, by the
 * finish deadline, which also cuts short a source that does not answer. A failure tears down
 * the same things at once.
 */
export class SessionStop {
  readonly #p: StopParts;
  readonly #waiter: DrainWaiter;
  readonly #deadline = new FinishDeadline();

  constructor(parts: StopParts) {
    this.#p = parts;
    this.#waiter = new DrainWaiter(parts.timers);
  }

  /** Quitting: the drain is over by `deadline` (a Date.now() time), also one already under way. */
  finishBy(deadline: number): void {
    this.#deadline.set(deadline);
  }

  /**
   * Drains the run (the session is `stopping`) up to a closed journal. False when the session
   * failed meanwhile: the failure has torn everything down already.
   */
  async drain(): Promise<boolean> {
    const { state, link, output, log } = this.#p;
    link.cancelRotation();
    try {
      // A capture process that does not answer must not hold up a quit.
      await this.#deadline.race(this.#p.source.stop(), undefined);
    } catch (error) {
      log.warn('the audio source failed to stop cleanly', error);
    }
    link.finish();
    // A paced replay still going out extends the wait by the time it needs.
    const waiting = this.#waiter.wait(this.#p.drainTimeoutMs, () => link.sendingMs());
    this.checkDrained();
    const drained = await this.#deadline.race(waiting, false);
    if (state.lifecycle !== 'stopping') return false;
    const shortfall = drained ? null : undrainedWarning(this.#p.providerLabel, this.#p.drainTimeoutMs, this.#deadline);
    if (shortfall) this.#p.warn(shortfall.code, shortfall.message);
    this.#waiter.done(); // a wait the deadline cut short is over as well
    output.finish(!drained);
    this.teardown(false);
    await output.closeJournal();
    return true;
  }

  /** The service accounted for audio or a connection ended: a drain waiting for that may be done. */
  checkDrained(): void {
    if (!this.#waiter.waiting) return;
    const { lifecycle, buffer, retiring } = this.#p.state;
    if (lifecycle !== 'stopping' || (buffer.isEmpty && retiring === null)) this.#waiter.done();
  }

  /**
   * Closes every connection (abruptly on failure), leaves no timer or deadline behind for the
   * next run, frees the buffer, and ends a drain's wait: after a failure nothing more can come.
   */
  teardown(abruptly: boolean): void {
    this.#p.link.close(abruptly);
    this.#p.timers.clearAll();
    this.#deadline.reset();
    this.#p.state.buffer.dispose();
    this.#waiter.done();
  }
}
