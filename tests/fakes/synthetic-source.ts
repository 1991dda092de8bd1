import { FRAME_MS, samplesPerFrame, type AudioFrame, type FrameSource } from '../../src/shared/audio-frame.ts';

/**
 * A FrameSource over samples in memory, in 20 ms frames, paced at `speed` × real time
 * (Infinity: as fast as the event loop turns). It keeps what it delivered, so a test can
 * compare "the audio captured" with what a fake service accounted for.
 */
export class SyntheticSource implements FrameSource {
  readonly sampleRate: number;
  readonly ended: Promise<void>;
  readonly #samples: Int16Array;
  readonly #speed: number;
  readonly #delivered: Int16Array[] = [];
  #timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  #next = 0;
  #running = false;
  #resolveEnded!: () => void;

  constructor(sampleRate: number, samples: Int16Array, speed = 10) {
    this.sampleRate = sampleRate;
    this.#speed = speed;
    // Whole frames only, like a capture device: pad the tail with silence.
    const frame = samplesPerFrame(sampleRate);
    const padded = new Int16Array(Math.ceil(samples.length / frame) * frame);
    padded.set(samples);
    this.#samples = padded;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  get frameCount(): number {
    return this.#samples.length / samplesPerFrame(this.sampleRate);
  }

  /** Everything delivered so far, concatenated. */
  captured(): Int16Array {
    const total = this.#delivered.reduce((n, f) => n + f.length, 0);
    const out = new Int16Array(total);
    let offset = 0;
    for (const f of this.#delivered) {
      out.set(f, offset);
      offset += f.length;
    }
    return out;
  }

  start(onFrame: (frame: AudioFrame) => void): Promise<void> {
    this.#running = true;
    const frame = samplesPerFrame(this.sampleRate);
    const t0 = performance.now();
    const tick = (): void => {
      if (!this.#running) return;
      const due = Number.isFinite(this.#speed)
        ? Math.floor(((performance.now() - t0) * this.#speed) / FRAME_MS) + 1
        : this.#next + 1;
      while (this.#next < due && this.#next * frame < this.#samples.length) {
        const samples = this.#samples.slice(this.#next * frame, (this.#next + 1) * frame);
        this.#delivered.push(samples);
        onFrame({
          seq: this.#next,
          captureTimeMs: performance.timeOrigin + performance.now(),
          sampleRate: this.sampleRate,
          samples,
        });
        this.#next += 1;
      }
      if (this.#next * frame >= this.#samples.length) {
        this.#running = false;
        this.#resolveEnded();
        return;
      }
      this.#timer = Number.isFinite(this.#speed)
        ? setTimeout(tick, Math.max(1, FRAME_MS / this.#speed))
        : setImmediate(tick);
    };
    tick();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
    }
    return Promise.resolve();
  }
}
