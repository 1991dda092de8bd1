/**
 * Audio accounting for one OpenAI-style connection. The service keeps appended audio in an open
 * buffer until an item is committed (by its VAD or by our `commit`). An item's audio counts as
 * accounted for once its `completed` (or `failed`) event arrives, and items settle in commit
 * order, so the replay buffer only ever releases a prefix. Silence before an item belongs to it
 * (the server discarded it when it committed the item). Counts are connection samples.
 */
interface CommitEntry {
  readonly itemId: string | null;
  readonly endSample: number;
  done: boolean;
}

export class CommitLedger {
  readonly #commits: CommitEntry[] = [];
  #settleIndex = 0;
  #settled = 0;
  /** Sample counts at which we sent `commit`, oldest first, not yet answered. */
  readonly #manualCommits: number[] = [];
  #sent = 0;
  readonly #clears: number[] = [];
  #lastCommitPoint = 0;

  appended(samples: number): void {
    this.#sent += samples;
  }

  /** Samples sent since the last commit point: held only in the service's open buffer. */
  get uncommitted(): number {
    return this.#sent - this.#lastCommitPoint;
  }

  /** Records a commit we are about to send; false when there is nothing new to commit. */
  requestCommit(): boolean {
    if (this.#sent <= this.#lastCommitPoint) return false;
    this.#manualCommits.push(this.#sent);
    this.#lastCommitPoint = this.#sent;
    return true;
  }

  /**
   * The service committed an item. A VAD commit ends where speech stopped (`vadEndSample`); a
   * commit we asked for ends where we asked. Returns the item's span.
   */
  committed(
    itemId: string,
    vadEndSample: number | undefined,
    done: boolean,
  ): { startSample: number; endSample: number } {
    const startSample = this.#lastEnd();
    const asked = vadEndSample ?? this.#manualCommits.shift() ?? this.#sent;
    const endSample = Math.min(this.#sent, Math.max(startSample, asked));
    this.#lastCommitPoint = Math.max(this.#lastCommitPoint, endSample);
    this.#commits.push({ itemId, endSample, done });
    return { startSample, endSample };
  }

  /**
   * The service declined our oldest pending commit: under 100 ms of audio is nothing it will
   * transcribe, so those samples are accounted for as far as it is concerned. False if no
   * commit of ours was pending.
   */
  declined(): boolean {
    const point = this.#manualCommits.shift();
    if (point === undefined) return false;
    this.#commits.push({ itemId: null, endSample: Math.max(point, this.#lastEnd()), done: true });
    return true;
  }

  /**
   * We asked the service to drop its open buffer (silence only, at the end of a client-turn
   * stream): nothing there is to be transcribed. False when nothing was uncommitted.
   */
  requestClear(): boolean {
    if (this.#sent <= this.#lastCommitPoint) return false;
    this.#clears.push(this.#sent);
    this.#lastCommitPoint = this.#sent;
    return true;
  }

  /** The service confirmed a clear: that audio is accounted for. */
  cleared(): boolean {
    const point = this.#clears.shift();
    if (point === undefined) return false;
    this.#commits.push({ itemId: null, endSample: Math.max(point, this.#lastEnd()), done: true });
    return true;
  }

  itemDone(itemId: string): void {
    for (const entry of this.#commits) if (entry.itemId === itemId) entry.done = true;
  }

  /** Settles the done prefix of commits: the new settled sample count, or null if it did not move. */
  settle(): number | null {
    let advanced = false;
    for (let entry = this.#commits[this.#settleIndex]; entry?.done; entry = this.#commits[this.#settleIndex]) {
      this.#settled = Math.max(this.#settled, entry.endSample);
      this.#settleIndex += 1;
      advanced = true;
    }
    return advanced ? this.#settled : null;
  }

  #lastEnd(): number {
    return this.#commits.at(-1)?.endSample ?? 0;
  }
}
