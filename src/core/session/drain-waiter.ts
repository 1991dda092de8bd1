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

  wait(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.#finish = (done) => {
        this.#timers.clear('drain');
        this.#finish = null;
        resolve(done);
      };
      this.#timers.after('drain', timeoutMs, () => this.#finish?.(false));
    });
  }

  /** Ends the wait as drained (also used when the session failed: there is nothing left to wait for). */
  done(): void {
    this.#finish?.(true);
  }
}
