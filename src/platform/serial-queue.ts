/**
 * Runs async tasks one at a time, in the order they were queued. A task that fails rejects
 * its own promise only: the next task still runs. Used wherever quick repeated requests
 * (device switches, settings writes, captions toggles) must not interleave.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #running = 0;

  /** True while a task runs (or waits to run). */
  get busy(): boolean {
    return this.#running > 0;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#running += 1;
    const settle = (): void => {
      this.#running -= 1;
    };
    const result = this.#tail.then(task);
    // The tail swallows the outcome so one failure cannot block the tasks behind it; the
    // caller still sees it through `result`.
    this.#tail = result.then(settle, settle);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
