import type { ReplayPacing } from '../providers/types.ts';
import type { BufferedChunk } from './replay-buffer.ts';

/**
 * When each buffered chunk may go out on one connection, for services that refuse audio
 * faster than real time.
 *
 * The first chunk sent fixes the origin (wall time now, its sample index, its capture time).
 * A later chunk is "ahead" by the audio between it and the origin, less `burstMs`; it may go
 * once wall time has advanced by that much divided by `maxRealtimeFactor`. So a replay goes
 * out at that multiple of real time, and once the connection has caught up, frames from a
 * live microphone (captured in real time) are due the moment they arrive.
 *
 * "Audio between" is the smaller of the sample distance and the capture-clock distance scaled by
 * the factor: for a microphone the sample distance is the smaller (a gap in capture only makes
 * the clock run ahead, and the service counts samples); a source that produces audio faster
 * than the service allows (the tests' accelerated microphones) carries its own faster clock and
 * is not held back to the wall clock. A source already held to the service's rate (`--fast`
 * against AssemblyAI, see WavSource's `maxRealtimeFactor`) is paced by its samples: scaling its clock by
 * the factor keeps a replay of it from going out at the factor twice over (1.2 × 1.2).
 */
export class ReplayPacer {
  readonly #pacing: ReplayPacing;
  readonly #sampleRate: number;
  #origin: { readonly wallMs: number; readonly sample: number; readonly captureMs: number } | null = null;

  constructor(pacing: ReplayPacing, sampleRate: number) {
    this.#pacing = pacing;
    this.#sampleRate = sampleRate;
  }

  /** performance.now() at which `chunk` may be sent; the first chunk asked about is due `now`. */
  dueAt(chunk: BufferedChunk, now: number): number {
    this.#origin ??= { wallMs: now, sample: chunk.start, captureMs: chunk.captureMs };
    const origin = this.#origin;
    const audioMs = ((chunk.start - origin.sample) * 1000) / this.#sampleRate;
    const clockMs = chunk.captureMs - origin.captureMs;
    const ahead = Math.min(audioMs, clockMs * this.#pacing.maxRealtimeFactor) - this.#pacing.burstMs;
    return ahead <= 0 ? origin.wallMs : origin.wallMs + ahead / this.#pacing.maxRealtimeFactor;
  }

  /** Wall time (ms) sending `samples` more audio takes at the paced rate. */
  durationMs(samples: number): number {
    return (samples * 1000) / this.#sampleRate / this.#pacing.maxRealtimeFactor;
  }
}
