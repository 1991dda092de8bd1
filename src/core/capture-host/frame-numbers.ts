/**
 * Frame numbers that run on across restarts of the capture process: a fresh process counts
 * its frames from 0 again, while the host's `frame` events keep counting where they were.
 */
export class FrameNumbers {
  #base = 0;
  #next = 0;

  /** A new capture: numbering starts over at 0. */
  reset(): void {
    this.#base = 0;
    this.#next = 0;
  }

  /** A restarted process counts from 0 again: its frames follow the last one delivered. */
  continueAfterRestart(): void {
    this.#base = this.#next;
  }

  /** The host's number for the process's frame `seq`. */
  number(seq: number): number {
    const numbered = this.#base + seq;
    this.#next = numbered + 1;
    return numbered;
  }
}
