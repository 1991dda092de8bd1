/**
 * Cuts a continuous mono float stream into exact fixed-size PCM16 frames (20 ms at the session
 * rate), whatever the chunk sizes coming in. A partial frame waits for the next chunk, so no
 * sample is dropped or repeated; `flush` hands out the remainder padded with silence.
 */
export class Framer {
  readonly frameLength: number;
  readonly #onFrame: (samples: Int16Array, index: number) => void;
  #pending: Int16Array;
  #filled = 0;
  #index = 0;

  constructor(frameLength: number, onFrame: (samples: Int16Array, index: number) => void) {
    if (!Number.isInteger(frameLength) || frameLength <= 0)
      throw new RangeError(`Frame length must be a positive integer (got ${frameLength}).`);
    this.frameLength = frameLength;
    this.#onFrame = onFrame;
    this.#pending = new Int16Array(frameLength);
  }

  /** Frames emitted so far. */
  get framesEmitted(): number {
    return this.#index;
  }

  /** Samples waiting for the next frame. */
  get pendingSamples(): number {
    return this.#filled;
  }

  push(samples: Float32Array): void {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.frameLength - this.#filled, samples.length - offset);
      const pending = this.#pending;
      for (let i = 0; i < take; i++) pending[this.#filled + i] = floatToPcm16(samples[offset + i]!);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.frameLength) this.#emit();
    }
  }

  /** Emits the partial frame, padded with zeros; returns whether there was one. */
  flush(): boolean {
    if (this.#filled === 0) return false;
    this.#pending.fill(0, this.#filled);
    this.#emit();
    return true;
  }

  /** Drops the partial frame and restarts numbering (a new stream). */
  reset(): void {
    this.#filled = 0;
    this.#index = 0;
  }

  #emit(): void {
    const frame = this.#pending;
    // A fresh buffer per frame: the frame is handed off (posted to another process) as is.
    this.#pending = new Int16Array(this.frameLength);
    this.#filled = 0;
    this.#onFrame(frame, this.#index++);
  }
}

/** Float in [-1, 1) → PCM16; the exact inverse of dividing by 32768, clamped at full scale. */
export function floatToPcm16(value: number): number {
  const scaled = Math.round(value * 32768);
  return scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
}
