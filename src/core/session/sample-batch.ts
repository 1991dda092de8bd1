/**
 * Consecutive sample chunks joined into one, up to a limit (so a long replay still goes out
 * in messages of a bounded size). One chunk alone is handed back as it is, without a copy.
 */
export class SampleBatch {
  readonly #limit: number;
  #chunks: Int16Array[] = [];
  #length = 0;

  constructor(limitSamples: number) {
    this.#limit = limitSamples;
  }

  /** Adds a chunk; false (and nothing added) when it would pass the limit of a non-empty batch. */
  add(samples: Int16Array): boolean {
    if (this.#length > 0 && this.#length + samples.length > this.#limit) return false;
    this.#chunks.push(samples);
    this.#length += samples.length;
    return true;
  }

  /** The joined samples, or null when empty; the batch is empty afterwards. */
  take(): Int16Array | null {
    const chunks = this.#chunks;
    const length = this.#length;
    this.#chunks = [];
    this.#length = 0;
    if (chunks.length <= 1) return chunks[0] ?? null;
    const joined = new Int16Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.length;
    }
    return joined;
  }
}
