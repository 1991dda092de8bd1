/**
 * Ends a turn that has gone on too long without a pause (someone reading aloud without
 * stopping), so the audio a server has not settled, and with it the replay after a drop, stays
 * bounded. The cut goes at the quietest point of the turn's last `searchMs` before `maxTurnMs`:
 * the lowest-energy 20 ms frame there (a gap between words, a stop consonant).
 *
 * That point lies in the past when the deadline comes, so audio from where the search begins
 * (`holdFrom`) must not have reached the server yet: the dialects hold it back while a turn is
 * that long (at most `searchMs`) and send it once the cut or the turn's own end is known.
 */
export interface QuietCutOptions {
  readonly sampleRate: number;
  readonly maxTurnMs: number;
  readonly searchMs?: number;
}

const FRAME_MS = 20;
const SEARCH_MS = 2_000;

export class QuietCut {
  readonly #frame: number;
  readonly #maxTurn: number;
  readonly #search: number;
  #acc = 0;
  #accLength = 0;
  /** Where the turn being measured began (stream samples), null while nobody speaks. */
  #since: number | null = null;
  /** The quietest frame of the search so far (its middle). */
  #quietest: { at: number; energy: number } | null = null;

  constructor(o: QuietCutOptions) {
    this.#frame = Math.round((o.sampleRate * FRAME_MS) / 1000);
    this.#maxTurn = Math.round((o.sampleRate * o.maxTurnMs) / 1000);
    this.#search = Math.min(this.#maxTurn, Math.round((o.sampleRate * (o.searchMs ?? SEARCH_MS)) / 1000));
  }

  /** Audio from here on may still be cut into: not to be sent yet. Null when nothing is held. */
  get holdFrom(): number | null {
    return this.#since === null ? null : this.#since + this.#maxTurn - this.#search;
  }

  /** The turn ended another way (a pause, a commit): the clock restarts with the next speech. */
  reset(): void {
    this.#since = null;
    this.#quietest = null;
  }

  /**
   * Feeds a chunk that starts at stream sample `from`; `speaking` says whether a turn is open.
   * Returns where to cut (at or after the `holdFrom` it had) and where the turn it ends began.
   */
  push(samples: Int16Array, from: number, speaking: boolean): { at: number; since: number } | null {
    if (!speaking) this.reset();
    else this.#since ??= from;
    let cut: { at: number; since: number } | null = null;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      this.#acc += s * s;
      this.#accLength += 1;
      if (this.#accLength < this.#frame) continue;
      const end = from + i + 1;
      const energy = this.#acc / this.#accLength;
      this.#acc = 0;
      this.#accLength = 0;
      cut ??= this.#frameDone(end - Math.round(this.#frame / 2), end, energy);
    }
    return cut;
  }

  #frameDone(at: number, end: number, energy: number): { at: number; since: number } | null {
    const holdFrom = this.holdFrom;
    if (holdFrom === null || at < holdFrom) return null;
    if (!this.#quietest || energy < this.#quietest.energy) this.#quietest = { at, energy };
    if (end - this.#since! < this.#maxTurn) return null;
    const cut = { at: this.#quietest.at, since: this.#since! };
    // The next turn begins at the cut; its clock too.
    this.#since = cut.at;
    this.#quietest = null;
    return cut;
  }
}
