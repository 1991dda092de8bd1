/**
 * When a stopping session must be done whatever the service does. Quitting sets it, possibly
 * while a stop() the person asked for is already draining, or brings it forward; the drain's
 * waits end there, and the session keeps what is on screen instead of waiting any longer.
 */
export class FinishDeadline {
  #at: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #passed = false;
  readonly #cuts = new Set<() => void>();

  /** True once the deadline passed (until `reset()`). */
  get passed(): boolean {
    return this.#passed;
  }

  /** Sets the deadline (a Date.now() time) or brings it forward; a later one changes nothing. */
  set(at: number): void {
    if (this.#at !== null && this.#at <= at) return;
    this.#at = at;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#pass(), Math.max(0, at - Date.now()));
  }

  /** `work`'s result, or `cut` as soon as the deadline passes (at once if it already has). */
  race<T>(work: Promise<T>, cut: T): Promise<T> {
    if (this.#passed) return Promise.resolve(cut);
    return new Promise<T>((resolve, reject) => {
      const onPass = (): void => resolve(cut);
      this.#cuts.add(onPass);
      void work.then(resolve, reject).finally(() => this.#cuts.delete(onPass));
    });
  }

  /** The run is over: no timer is left behind, and the next run has no deadline. */
  reset(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#at = null;
    this.#passed = false;
    this.#cuts.clear();
  }

  #pass(): void {
    this.#timer = null;
    this.#passed = true;
    for (const cut of [...this.#cuts]) cut();
    this.#cuts.clear();
  }
}

/** Why a drain ended before the service accounted for everything: the quit's deadline, or the drain's own timeout. */
export function undrainedWarning(
  providerLabel: string,
  drainTimeoutMs: number,
  deadline: FinishDeadline,
): { readonly code: 'QUIT_DRAIN_CUT' | 'DRAIN_TIMEOUT'; readonly message: string } {
  if (deadline.passed)
    return {
      code: 'QUIT_DRAIN_CUT',
      message: `Earshot was quitting and ${providerLabel} had not delivered the last words yet; the words on screen were saved as they were.`,
    };
  return {
    code: 'DRAIN_TIMEOUT',
    message: `${providerLabel} did not deliver the last words within ${Math.round(drainTimeoutMs / 1000)} s; everything received is saved.`,
  };
}
