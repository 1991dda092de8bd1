import type { AudioFrame } from '../../../shared/audio-frame.ts';

/** The envelope's resolution: one energy value per this many ms of audio. */
export const BLOCK_MS = 10;

/**
 * The last few seconds of one source, as samples and as a 10 ms energy envelope, placed on the
 * capture clock (the capture time of its newest sample). Gaps are not filled: a source that
 * dropped frames is contiguous here, off by at most the gap until the history has moved past it.
 */
export class SignalTrack {
  readonly sampleRate: number;
  readonly blockSize: number;
  readonly #samples: Float32Array;
  readonly #energy: Float32Array;
  #length = 0;
  #endTimeMs = 0;

  constructor(sampleRate: number, historyMs: number) {
    this.sampleRate = sampleRate;
    this.blockSize = Math.round((sampleRate * BLOCK_MS) / 1000);
    const blocks = Math.ceil(historyMs / BLOCK_MS);
    this.#samples = new Float32Array(blocks * this.blockSize);
    this.#energy = new Float32Array(blocks);
  }

  get length(): number {
    return this.#length;
  }

  get samples(): Float32Array {
    return this.#samples;
  }

  /** Capture time (ms) of sample `index` of the history. */
  timeOf(index: number): number {
    return this.#endTimeMs - ((this.#length - index) * 1000) / this.sampleRate;
  }

  /** The history index of the sample captured at `timeMs` (may lie outside 0…length). */
  indexAt(timeMs: number): number {
    return Math.round(this.#length - ((this.#endTimeMs - timeMs) * this.sampleRate) / 1000);
  }

  /** Mean square of envelope block `block`, or null outside the history. */
  energy(block: number): number | null {
    if (block < 0 || (block + 1) * this.blockSize > this.#length) return null;
    return this.#energy[block]!;
  }

  push(frame: AudioFrame): void {
    const n = frame.samples.length;
    if (this.#length + n > this.#samples.length) this.#dropOldest(this.#length + n - this.#samples.length);
    for (let i = 0; i < n; i++) this.#samples[this.#length + i] = frame.samples[i]! / 32768;
    const firstBlock = Math.floor(this.#length / this.blockSize);
    this.#length += n;
    this.#endTimeMs = frame.captureTimeMs + (n * 1000) / frame.sampleRate;
    for (let b = firstBlock; (b + 1) * this.blockSize <= this.#length; b++) {
      let sum = 0;
      for (let i = b * this.blockSize; i < (b + 1) * this.blockSize; i++) sum += this.#samples[i]! * this.#samples[i]!;
      this.#energy[b] = sum / this.blockSize;
    }
  }

  /** Forgets at least `count` of the oldest samples, whole blocks at a time, so blocks stay aligned. */
  #dropOldest(count: number): void {
    const blocks = Math.ceil(count / this.blockSize);
    const drop = blocks * this.blockSize;
    this.#samples.copyWithin(0, drop, this.#length);
    this.#energy.copyWithin(0, blocks);
    this.#length -= drop;
  }
}
