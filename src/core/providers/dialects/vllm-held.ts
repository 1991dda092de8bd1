/**
 * Audio the vLLM dialect holds back while a generation closes: between `commit{final:true}` and
 * `transcription.done` the server would clear whatever arrived, so it waits here, indexed by
 * stream sample, and goes out once the next generation has started.
 */
export class HeldAudio {
  #chunks: Int16Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  hold(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.#chunks.push(samples.slice());
    this.#length += samples.length;
  }

  /** Takes the first `count` samples (all when omitted). */
  take(count = this.#length): Int16Array[] {
    const out: Int16Array[] = [];
    let left = Math.min(count, this.#length);
    while (left > 0) {
      const chunk = this.#chunks[0]!;
      if (chunk.length <= left) {
        out.push(chunk);
        this.#chunks.shift();
        left -= chunk.length;
        this.#length -= chunk.length;
      } else {
        out.push(chunk.subarray(0, left));
        this.#chunks[0] = chunk.subarray(left);
        this.#length -= left;
        left = 0;
      }
    }
    return out;
  }
}
