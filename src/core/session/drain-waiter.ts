import type { SessionTimers } from './session-timers.ts';

/**
 * stop()'s bounded wait for the service to account for every buffered sample. Resolves true
 * once the session reports it drained (or failed: nothing more can come), false at the deadline.
 */
export class DrainWaiter {
  readonly #timers: SessionTimers;
  #finish: ((done: boolean) => void) | null = null;

  constructor(timers: SessionTimers) {
    this.#timers = timers;
  }

  get waiting(): boolean {
    return this.#finish !== null;
  }

  /**
   * `extraMs()`: asked at the deadline; while audio is still going out (a paced replay), the
   * deadline moves by that long plus `timeoutMs`, since the service cannot answer for audio
   * it has not received yet.
   */
  wait(timeoutMs: number, extraMs: () => number = () => 0): Promise<boolean> {
    return new Promise((resolve) => {
      this.#finish = (done) => {
        this.#timers.clear('drain');
        this.#finish = null;
        resolve(done);
      };
      const arm = (ms: number): void =>
        this.#timers.after('drain', ms, () => {
          const extra = extraMs();
          if (extra > 0) arm(extra + timeoutMs);
          else this.#finish?.(false);
        });
      arm(timeoutMs);
    });
  }

  /** Ends the wait as drained (also used when the session failed: there is nothing left to wait for). */
  done(): void {
    this.#finish?.(true);
  }
}
