import type { SpillStore } from './spill-file.ts';

/**
 * Audio the service has not yet accounted for, addressed by session sample index.
 *
 * Every captured sample gets an index (0 = first sample of the session). Frames stay here
 * from capture until the service has accounted for them (see the provider adapters), so a
 * reconnect can send them again. Only a prefix is ever released, so the buffer is one
 * contiguous range [start, end).
 *
 * During a long outage the oldest part of that range can move to disk (`spill()`, once a
 * SpillStore is attached): the range stays the same, only where its samples live changes.
 * `from()` reads spilled audio back in capture order before the audio still in memory.
 */
export interface BufferedChunk {
  /** Session sample index of samples[0]. */
  readonly start: number;
  readonly samples: Int16Array;
  /** When samples[0] was captured (ms, the source's clock; see AudioFrame.captureTimeMs). */
  readonly captureMs: number;
}

/** A stretch of spilled audio (at most a second): where it starts and when it was captured. */
interface SpilledBlock {
  readonly start: number;
  length: number;
  readonly captureMs: number;
}

export class ReplayBuffer {
  readonly sampleRate: number;
  #chunks: BufferedChunk[] = [];
  #head = 0;
  #start = 0;
  #end = 0;
  #spill: SpillStore | null = null;
  #spilled: SpilledBlock[] = [];
  #spilledHead = 0;
  /** Session sample at offset 0 of the spill store. */
  #spillBase = 0;
  /** One past the last spilled sample: the audio in memory starts here. */
  #spillEnd = 0;

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

  /** Where the audio still in memory starts (after what was spilled to disk). */
  get memoryStart(): number {
    return Math.max(this.#start, this.#spillEnd);
  }

  /** Buffered audio that lives on disk, in ms. */
  get spilledMs(): number {
    return this.#toMs(this.memoryStart - this.#start);
  }

  /** From now on the oldest audio can move to `store` (see spill()). */
  attachSpill(store: SpillStore): void {
    this.#spill = store;
  }

  get canSpill(): boolean {
    return this.#spill !== null;
  }

  /**
   * Moves the audio in memory before `until` to the spill store (needs attachSpill()); returns
   * how many samples moved. The store's write errors are the caller's to handle.
   */
  spill(until: number): number {
    const store = this.#spill;
    const target = Math.min(until, this.#end);
    if (!store || target <= this.memoryStart) return 0;
    let moved = 0;
    while (this.#head < this.#chunks.length) {
      const whole = this.#chunks[this.#head]!;
      const chunk = whole.start < this.memoryStart ? this.#tail(whole, this.memoryStart) : whole;
      if (chunk.start >= target) break;
      const take = Math.min(chunk.samples.length, target - chunk.start);
      store.append(chunk.samples.subarray(0, take));
      this.#noteSpilled(chunk.start, take, chunk.captureMs);
      moved += take;
      if (take < chunk.samples.length) {
        this.#chunks[this.#head] = this.#tail(chunk, chunk.start + take);
        break;
      }
      this.#head += 1;
    }
    this.#compact();
    return moved;
  }

  /** The run is over: the spill store goes (its file is removed). */
  dispose(): void {
    this.#spill?.dispose();
    this.#spill = null;
    this.#spilled = [];
    this.#spilledHead = 0;
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
    this.#releaseSpilled(target);
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
    this.#compact();
    return released;
  }

  /** The buffered samples from `from` on, in chunks (views, not copies). */
  *from(from: number): Generator<BufferedChunk> {
    const begin = Math.max(from, this.#start);
    for (let i = this.#spilledHead; i < this.#spilled.length && this.#spill; i++) {
      const block = this.#spilled[i]!;
      const blockEnd = block.start + block.length;
      if (blockEnd <= begin) continue;
      const first = Math.max(begin, block.start);
      const samples = this.#spill.read(first - this.#spillBase, blockEnd - first);
      yield { start: first, samples, captureMs: block.captureMs + this.#toMs(first - block.start) };
    }
    for (let i = this.#head; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      const chunkEnd = chunk.start + chunk.samples.length;
      if (chunkEnd <= begin) continue;
      yield chunk.start >= begin ? chunk : this.#tail(chunk, begin);
    }
  }

  /** Records spilled samples, in blocks of up to a second (the capture time of each block's first sample). */
  #noteSpilled(start: number, length: number, captureMs: number): void {
    if (this.#spilledHead >= this.#spilled.length) this.#spillBase = start;
    const last = this.#spilled.at(-1);
    if (last && this.#spilledHead < this.#spilled.length && last.length + length <= this.sampleRate) {
      last.length += length;
    } else {
      this.#spilled.push({ start, length, captureMs });
    }
    this.#spillEnd = start + length;
  }

  /** Spilled blocks before `target` are done with; an empty store is reset so the disk space comes back. */
  #releaseSpilled(target: number): void {
    while (this.#spilledHead < this.#spilled.length) {
      const block = this.#spilled[this.#spilledHead]!;
      if (block.start + block.length > target) return;
      this.#spilledHead += 1;
    }
    if (this.#spilled.length === 0) return;
    this.#spilled = [];
    this.#spilledHead = 0;
    this.#spill?.reset();
  }

  /** Drops consumed entries now and then so the arrays do not grow for the whole session. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    if (this.#spilledHead > 1024 && this.#spilledHead * 2 > this.#spilled.length) {
      this.#spilled = this.#spilled.slice(this.#spilledHead);
      this.#spilledHead = 0;
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
