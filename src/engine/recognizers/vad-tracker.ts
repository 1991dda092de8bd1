import { loadSherpa, type SherpaVad } from '../sherpa.ts';
import { MODEL_RATE } from './input-audio.ts';

export interface VadParams {
  readonly modelPath: string;
  readonly threshold: number;
  readonly silenceDurationMs: number;
  /** Longest item before it is split, so a monologue still produces finals. */
  readonly maxSpeechS: number;
}

export type VadChange =
  | { readonly type: 'start'; readonly at: number }
  | { readonly type: 'end'; readonly start: number; readonly end: number };

const WINDOW = 512;
const MIN_SPEECH_S = 0.25;

/**
 * Silero VAD through sherpa-onnx, reporting speech onsets and ends in absolute 16 kHz sample
 * indices. sherpa only says "speech is on" and, after the fact, hands out finished segments;
 * the onset index is computed the way sherpa computes a segment's start (two windows plus the
 * minimum speech length before the window that triggered), so it is known while the person
 * is still speaking.
 */
export class VadTracker {
  readonly #vad: SherpaVad;
  #pending = new Float32Array(0);
  #fed = 0;
  /** Absolute index of the detector's own sample 0 (it counts from its last reset). */
  #origin = 0;
  #speaking = false;

  constructor(params: VadParams) {
    const sherpa = loadSherpa();
    this.#vad = new sherpa.Vad(
      {
        sileroVad: {
          model: params.modelPath,
          threshold: params.threshold,
          minSilenceDuration: params.silenceDurationMs / 1000,
          minSpeechDuration: MIN_SPEECH_S,
          windowSize: WINDOW,
          maxSpeechDuration: params.maxSpeechS,
        },
        sampleRate: MODEL_RATE,
        numThreads: 1,
        provider: 'cpu',
        debug: 0,
      },
      params.maxSpeechS + 10,
    );
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  /** Absolute index one past the last sample the VAD has judged. */
  get position(): number {
    return this.#fed;
  }

  accept(samples: Float32Array): VadChange[] {
    const joined = new Float32Array(this.#pending.length + samples.length);
    joined.set(this.#pending);
    joined.set(samples, this.#pending.length);
    const changes: VadChange[] = [];
    let offset = 0;
    for (; offset + WINDOW <= joined.length; offset += WINDOW) {
      this.#vad.acceptWaveform(joined.subarray(offset, offset + WINDOW));
      this.#fed += WINDOW;
      this.#drain(changes);
      if (!this.#speaking && this.#vad.isDetected()) {
        this.#speaking = true;
        changes.push({ type: 'start', at: Math.max(0, this.#fed - 2 * WINDOW - MIN_SPEECH_S * MODEL_RATE) });
      }
    }
    this.#pending = joined.slice(offset);
    return changes;
  }

  reset(): void {
    this.#vad.reset();
    while (!this.#vad.isEmpty()) this.#vad.pop();
    this.#speaking = false;
    // Samples still pending were never judged; keep the clock where the judged audio ends.
    this.#fed += this.#pending.length;
    this.#pending = new Float32Array(0);
    this.#origin = this.#fed;
  }

  #drain(changes: VadChange[]): void {
    while (!this.#vad.isEmpty()) {
      const segment = this.#vad.front(false);
      this.#vad.pop();
      const start = this.#origin + segment.start;
      const end = start + segment.samples.length;
      changes.push({ type: 'end', start, end });
      // A split of over-long speech leaves the detector on: the next item starts at once.
      this.#speaking = this.#vad.isDetected();
      if (this.#speaking) changes.push({ type: 'start', at: end });
    }
  }
}
