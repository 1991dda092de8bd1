/**
 * Audio the service has not yet accounted for, addressed by session sample index.
 *
 * Every captured sample gets an index (0 = first sample of the session). Frames stay here
 * from capture until the service has accounted for them (see the provider adapters), so a
 * reconnect can send them again. Only a prefix is ever released, so the buffer is one
 * contiguous range [start, end).
 */
export interface BufferedChunk {
  /** Session sample index of samples[0]. */
  readonly start: number;
  readonly samples: Int16Array;
  /** When samples[0] was captured (ms, the source's clock; see AudioFrame.captureTimeMs). */
  readonly captureMs: number;
}

export class ReplayBuffer {
  readonly sampleRate: number;
  #chunks: BufferedChunk[] = [];
  #head = 0;
  #start = 0;
  #end = 0;

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
  }

  /** First sample not yet released. */
  get start(): number {
    return this.#start;
  }

  /** One past the last sample captured. */
  get end(): number {
    return this.#end;
  }

  get isEmpty(): boolean {
    return this.#start === this.#end;
  }

  get bufferedMs(): number {
    return ((this.#end - this.#start) * 1000) / this.sampleRate;
  }

  /** `captureMs`: when the first sample was captured; defaults to the audio clock (sample index as ms). */
  push(samples: Int16Array, captureMs: number = this.#toMs(this.#end)): BufferedChunk {
    const chunk = { start: this.#end, samples, captureMs };
    this.#end += samples.length;
    if (samples.length > 0) this.#chunks.push(chunk);
    return chunk;
  }

  /** Releases every sample before `until` (clamped to what was captured); returns how many went. */
  release(until: number): number {
    const target = Math.min(until, this.#end);
    if (target <= this.#start) return 0;
    const released = target - this.#start;
    while (this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head]!;
      const chunkEnd = chunk.start + chunk.samples.length;
      if (chunkEnd <= target) {
        this.#head += 1;
        continue;
      }
      if (chunk.start < target) this.#chunks[this.#head] = this.#tail(chunk, target);
      break;
    }
    this.#start = target;
    // Compact now and then so the array does not grow for the whole session.
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    return released;
  }

  /** The buffered samples from `from` on, in chunks (views, not copies). */
  *from(from: number): Generator<BufferedChunk> {
    const begin = Math.max(from, this.#start);
    for (let i = this.#head; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      const chunkEnd = chunk.start + chunk.samples.length;
      if (chunkEnd <= begin) continue;
      yield chunk.start >= begin ? chunk : this.#tail(chunk, begin);
    }
  }

  /** The part of `chunk` from session sample `from` on. */
  #tail(chunk: BufferedChunk, from: number): BufferedChunk {
    const offset = from - chunk.start;
    return { start: from, samples: chunk.samples.subarray(offset), captureMs: chunk.captureMs + this.#toMs(offset) };
  }

  #toMs(samples: number): number {
    return (samples * 1000) / this.sampleRate;
  }
}
