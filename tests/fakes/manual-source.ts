import { FRAME_MS, samplesPerFrame, type AudioFrame, type FrameSource } from '../../src/shared/audio-frame.ts';

/**
 * A FrameSource the test drives: `push()` delivers audio at once, in 20 ms frames, and
 * between pushes nothing flows (a paused microphone). Frames are stamped by the audio clock,
 * the way the capture pipeline stamps them by the device clock: frame n was captured
 * n × 20 ms after the source started.
 */
export class ManualSource implements FrameSource {
  readonly sampleRate: number;
  readonly ended: Promise<void>;
  readonly #delivered: Int16Array[] = [];
  #onFrame: ((frame: AudioFrame) => void) | null = null;
  #seq = 0;
  #t0 = 0;
  #resolveEnded!: () => void;

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  /** Samples delivered so far. */
  get position(): number {
    return this.#seq * samplesPerFrame(this.sampleRate);
  }

  start(onFrame: (frame: AudioFrame) => void): Promise<void> {
    this.#onFrame = onFrame;
    this.#t0 = performance.timeOrigin + performance.now();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#onFrame = null;
    return Promise.resolve();
  }

  /** Delivers `samples` now as whole frames (a partial last frame is padded with silence). */
  push(samples: Int16Array): void {
    const frame = samplesPerFrame(this.sampleRate);
    for (let i = 0; i < samples.length; i += frame) {
      const part = new Int16Array(frame);
      part.set(samples.subarray(i, Math.min(i + frame, samples.length)));
      this.#delivered.push(part);
      const seq = this.#seq++;
      this.#onFrame?.({ seq, captureTimeMs: this.#t0 + seq * FRAME_MS, sampleRate: this.sampleRate, samples: part });
    }
  }

  /** The end of the input, like the end of a file. */
  end(): void {
    this.#resolveEnded();
  }

  /** Everything delivered, concatenated. */
  captured(): Int16Array {
    const out = new Int16Array(this.#delivered.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const f of this.#delivered) {
      out.set(f, offset);
      offset += f.length;
    }
    return out;
  }
}
