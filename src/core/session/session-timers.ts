/**
 * The session's timers by name, so each has one owner and `clearAll()` on stop or failure
 * leaves nothing behind to fire into a finished session.
 */
export class SessionTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /** (Re)arms a one-shot timer. */
  after(name: string, ms: number, run: () => void): void {
    this.clear(name);
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        run();
      }, ms),
    );
  }

  /** (Re)arms a repeating timer. */
  every(name: string, ms: number, run: () => void): void {
    this.clear(name);
    this.#timers.set(name, setInterval(run, ms));
  }

  has(name: string): boolean {
    return this.#timers.has(name);
  }

  clear(name: string): void {
    const timer = this.#timers.get(name);
    if (timer === undefined) return;
    clearTimeout(timer);
    clearInterval(timer);
    this.#timers.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.#timers.keys()]) this.clear(name);
  }
}
