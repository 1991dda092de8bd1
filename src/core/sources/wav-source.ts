import { createLogger } from '../../platform/log/logger.ts';
import { FRAME_MS, type AudioFrame, type FrameSource } from '../../shared/audio-frame.ts';
import { WavFrames } from './wav-frames.ts';

/**
 * A WAV file as a FrameSource: the CLI's `--input`, tests and benchmarks. The file is
 * downmixed to mono, resampled to the session's rate (the capture path's Speex resampler),
 * and cut into 20 ms frames (the last one padded with silence).
 *
 * `realtime` paces frames on an absolute schedule (no drift over long files); `fast` sends as
 * fast as the consumer keeps up: `throttle()` returning true pauses delivery briefly, so a fast
 * run cannot flood a service that decodes slower than it receives. `maxRealtimeFactor` caps fast
 * mode for a service that refuses audio faster than real time (AssemblyAI closes with 3007). No
 * burst of its own: the connection's ReplayPacer grants the service's burst once, and a second
 * one here would spend the service's whole tolerance at the first message.
 */
export interface WavSourceOptions {
  readonly path: string;
  readonly sampleRate: number;
  readonly pace: 'realtime' | 'fast';
  /** Fast mode only: return true to hold back frames for a moment. */
  readonly throttle?: () => boolean;
  /** Fast mode only: a throttle that holds this long without end is ignored (no deadlock). */
  readonly maxThrottleMs?: number;
  /** Fast mode only: at most this multiple of real time (the adapter's `replayPacing` factor). */
  readonly maxRealtimeFactor?: number | null;
}

const log = createLogger('wav-source');
/** Frames delivered per event-loop turn in fast mode: quick, yet sockets and timers still run. */
const FAST_BATCH = 25;
const THROTTLE_POLL_MS = 5;

export class WavSource implements FrameSource {
  readonly sampleRate: number;
  readonly ended: Promise<void>;
  readonly #o: WavSourceOptions;
  #frames: WavFrames | null = null;
  #next = 0;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  /** A turn waiting for the file's next seconds to be read. */
  #waiting = false;
  /** The latest start()'s turn, which a finished read resumes. */
  #resume: (() => void) | null = null;
  #resolveEnded!: () => void;
  #throttledSince: number | null = null;

  constructor(options: WavSourceOptions) {
    this.#o = options;
    this.sampleRate = options.sampleRate;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  async start(onFrame: (frame: AudioFrame) => void): Promise<void> {
    this.#frames ??= await WavFrames.open(this.#o.path, this.sampleRate, this.#next);
    const frames = this.#frames;
    this.#running = true;
    const t0 = performance.now() - this.#next * FRAME_MS;
    const fastOrigin = { wallMs: performance.now(), frame: this.#next };
    const deliver = (): void => {
      onFrame({
        seq: this.#next,
        captureTimeMs: performance.timeOrigin + performance.now(),
        sampleRate: this.sampleRate,
        samples: frames.take(),
      });
      this.#next += 1;
    };
    const finish = (): boolean => {
      if (!frames.done) return false;
      this.#running = false;
      if (frames.error)
        log.error('reading the input stopped early', { path: this.#o.path, message: frames.error.message });
      this.#resolveEnded();
      return true;
    };
    const tick = (): void => {
      if (!this.#running || this.#waiting) return;
      // Read on while delivering; a turn with nothing read yet waits for the read.
      void frames.fill();
      if (frames.available === 0 && !frames.done) {
        this.#waiting = true;
        void frames.fill().then(() => {
          this.#waiting = false;
          this.#resume?.();
        });
        return;
      }
      let delay = 0;
      if (this.#o.pace === 'realtime') {
        const due = Math.floor((performance.now() - t0) / FRAME_MS) + 1;
        while (this.#running && this.#next < due && frames.available > 0) deliver();
        delay = Math.max(1, t0 + this.#next * FRAME_MS - performance.now());
      } else if (this.#holdBack()) {
        delay = THROTTLE_POLL_MS;
      } else {
        const before = this.#next;
        const cap = this.#capped(fastOrigin);
        while (this.#running && this.#next < cap && this.#next < before + FAST_BATCH && frames.available > 0) deliver();
        // Held at the service's rate: come back when the next frame is due.
        if (this.#next >= cap) delay = FRAME_MS / this.#o.maxRealtimeFactor!;
      }
      if (finish()) return;
      this.#timer = setTimeout(tick, delay);
    };
    this.#resume = tick;
    tick();
  }

  /** Stops and closes the file; a later start() opens it again where this one stopped. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const frames = this.#frames;
    this.#frames = null;
    await frames?.close();
  }

  /** The frame index fast mode may reach by now under `maxRealtimeFactor` (unbounded without one). */
  #capped(origin: { readonly wallMs: number; readonly frame: number }): number {
    const factor = this.#o.maxRealtimeFactor;
    if (!factor) return Number.POSITIVE_INFINITY;
    return origin.frame + 1 + Math.floor(((performance.now() - origin.wallMs) * factor) / FRAME_MS);
  }

  #holdBack(): boolean {
    if (!this.#o.throttle?.()) {
      this.#throttledSince = null;
      return false;
    }
    const now = performance.now();
    this.#throttledSince ??= now;
    if (now - this.#throttledSince > (this.#o.maxThrottleMs ?? 2_000)) {
      log.debug('throttle held too long; sending on');
      this.#throttledSince = null;
      return false;
    }
    return true;
  }
}

export function createWavSource(options: WavSourceOptions): WavSource {
  return new WavSource(options);
}
