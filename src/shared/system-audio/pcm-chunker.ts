import { FRAME_MS } from '../audio-frame.ts';

/** One 20 ms chunk of mono audio at the capture context's own rate, as the worklet posts it. */
export interface PcmChunk {
  /** Index of the chunk's first sample on the audio context's clock. */
  readonly startFrame: number;
  readonly samples: Float32Array<ArrayBuffer>;
}

/**
 * Runs inside the AudioWorklet: Web Audio hands `process()` 128-sample render quanta per
 * channel; this downmixes them to mono (the mean, so a mono signal copied into both channels
 * comes out unchanged and a full-scale stereo pair cannot clip) and cuts the stream into
 * 20 ms chunks, so main receives 50 messages a second instead of 375.
 */
export class PcmChunker {
  readonly chunkSamples: number;
  #buffer: Float32Array<ArrayBuffer>;
  #filled = 0;
  #bufferStart: number | null = null;

  constructor(sampleRate: number) {
    const samples = (sampleRate * FRAME_MS) / 1000;
    if (!Number.isInteger(samples) || samples <= 0) {
      // 44.1 kHz gives 882, 48 kHz 960; a rate with no whole 20 ms would drift the clock.
      throw new RangeError(`${sampleRate} Hz has no whole number of samples per ${FRAME_MS} ms.`);
    }
    this.chunkSamples = samples;
    this.#buffer = new Float32Array(samples);
  }

  /**
   * `channels` is one render quantum (equal-length arrays, possibly none while the track has
   * no data yet), starting at context frame `startFrame`. Calls `emit` for each full chunk; the
   * chunk owns its array (it can be transferred).
   */
  push(channels: readonly Float32Array[], startFrame: number, emit: (chunk: PcmChunk) => void): void {
    const length = channels[0]?.length ?? 0;
    if (length === 0) return;
    const scale = 1 / channels.length;
    for (let i = 0; i < length; i++) {
      if (this.#filled === 0) this.#bufferStart = startFrame + i;
      let sum = 0;
      for (const channel of channels) sum += channel[i] ?? 0;
      this.#buffer[this.#filled++] = sum * scale;
      if (this.#filled === this.chunkSamples) {
        emit({ startFrame: this.#bufferStart ?? startFrame, samples: this.#buffer });
        this.#buffer = new Float32Array(this.chunkSamples);
        this.#filled = 0;
      }
    }
  }
}
