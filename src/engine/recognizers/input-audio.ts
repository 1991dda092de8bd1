import { loadSherpa, type SherpaResampler } from '../sherpa.ts';

/** Every recognizer and the VAD run at 16 kHz. */
export const MODEL_RATE = 16_000;

/**
 * PCM16 at the session rate in, float samples at 16 kHz out. 24 kHz (OpenAI's rate) goes
 * through sherpa-onnx's windowed-sinc resampler, which keeps its filter state between frames
 * so 20 ms pieces resample exactly as one long signal would.
 */
export class InputAudio {
  #rate = MODEL_RATE;
  #resampler: SherpaResampler | null = null;

  setRate(rate: number): void {
    if (rate === this.#rate) return;
    this.#rate = rate;
    this.#resampler = rate === MODEL_RATE ? null : new (loadSherpa().LinearResampler)(rate, MODEL_RATE);
  }

  get rate(): number {
    return this.#rate;
  }

  convert(samples: Int16Array): Float32Array {
    const floats = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = samples[i]! / 32768;
    return this.#resampler ? this.#resampler.resample(floats) : floats;
  }
}

/** A growing float buffer addressed by absolute sample index, trimmed from the front. */
export class SampleBuffer {
  #data = new Float32Array(MODEL_RATE * 4);
  #length = 0;
  /** Absolute index of `#data[0]`. */
  #base = 0;

  get end(): number {
    return this.#base + this.#length;
  }

  get start(): number {
    return this.#base;
  }

  push(samples: Float32Array): void {
    if (this.#length + samples.length > this.#data.length) {
      const next = new Float32Array(Math.max(this.#data.length * 2, this.#length + samples.length));
      next.set(this.#data.subarray(0, this.#length));
      this.#data = next;
    }
    this.#data.set(samples, this.#length);
    this.#length += samples.length;
  }

  /** A copy of [from, to) in absolute indices, clamped to what is held. */
  slice(from: number, to: number): Float32Array {
    const a = Math.max(from, this.#base) - this.#base;
    const b = Math.min(to, this.end) - this.#base;
    return b > a ? this.#data.slice(a, b) : new Float32Array(0);
  }

  /** Drops everything before absolute index `keepFrom`. */
  trimBefore(keepFrom: number): void {
    const drop = Math.min(this.#length, Math.max(0, keepFrom - this.#base));
    if (drop === 0) return;
    this.#data.copyWithin(0, drop, this.#length);
    this.#length -= drop;
    this.#base += drop;
  }
}

export const samplesToMs = (samples: number): number => Math.round((samples * 1000) / MODEL_RATE);
export const msToSamples = (ms: number): number => Math.round((ms * MODEL_RATE) / 1000);
