import { FRAME_MS, samplesPerFrame, type AudioFrame } from '../audio-frame.ts';

/** Float sample in [−1, 1] → PCM16, rounded, clipped at full scale (an overshoot must not wrap). */
export function toPcm16(sample: number): number {
  const scaled = Math.round(sample * 32767);
  return scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
}

/**
 * Cuts a continuous mono stream (already at the session's rate) into the 20 ms PCM16 frames
 * the session consumes, whatever sizes the chunks arrive in. Frame k was captured at
 * `originMs + k × 20 ms`: the stream's own sample count is the clock, so the stamps do not
 * jitter with message delivery (gaps are filled before the samples get here: InputTimeline).
 */
export class FramePacker {
  readonly sampleRate: number;
  readonly originMs: number;
  readonly #frameSamples: number;
  #pending: Int16Array;
  #filled = 0;
  #seq = 0;

  constructor(sampleRate: number, originMs: number) {
    const frameSamples = samplesPerFrame(sampleRate);
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) {
      throw new RangeError(`${sampleRate} Hz has no whole number of samples per ${FRAME_MS} ms.`);
    }
    this.sampleRate = sampleRate;
    this.originMs = originMs;
    this.#frameSamples = frameSamples;
    this.#pending = new Int16Array(frameSamples);
  }

  push(samples: Float32Array, emit: (frame: AudioFrame) => void): void {
    for (const sample of samples) {
      this.#pending[this.#filled++] = toPcm16(sample);
      if (this.#filled < this.#frameSamples) continue;
      emit({
        seq: this.#seq,
        captureTimeMs: this.originMs + this.#seq * FRAME_MS,
        sampleRate: this.sampleRate,
        samples: this.#pending,
      });
      this.#seq++;
      this.#pending = new Int16Array(this.#frameSamples);
      this.#filled = 0;
    }
  }

  /** Frames emitted so far. */
  get frames(): number {
    return this.#seq;
  }
}

/**
 * The capture-side timeline of the chunks the page posts. Each chunk says when its first sample
 * was captured; while those times agree with the samples counted so far the count is the clock.
 * When a chunk starts later than the count says by more than GAP_MS (the audio context was
 * suspended, the output device changed), that much audio was never delivered: the caller pads
 * it with silence so the session's audio time stays on the capture clock, as the capture
 * process does for a microphone that stalled and resumed.
 */
export class InputTimeline {
  /** Lateness up to this is delivery jitter, not lost audio (CaptureClock uses the same bound). */
  static readonly GAP_MS = 150;
  /** A longer hole is padded only this far, so one bad stamp cannot allocate minutes of silence. */
  static readonly MAX_FILL_MS = 10_000;
  readonly sampleRate: number;
  #originMs: number | null = null;
  #samples = 0;

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
  }

  /** Capture time of the first sample, once a chunk arrived. */
  get originMs(): number | null {
    return this.#originMs;
  }

  /** A chunk of `count` samples starting at `captureTimeMs`: returns how many silent samples go before it. */
  observe(captureTimeMs: number, count: number): number {
    let fill = 0;
    if (this.#originMs === null) {
      this.#originMs = captureTimeMs;
    } else {
      const expectedMs = this.#originMs + (this.#samples * 1000) / this.sampleRate;
      const lateMs = captureTimeMs - expectedMs;
      if (lateMs > InputTimeline.GAP_MS) {
        fill = Math.round((Math.min(lateMs, InputTimeline.MAX_FILL_MS) * this.sampleRate) / 1000);
      }
    }
    this.#samples += fill + count;
    return fill;
  }
}
