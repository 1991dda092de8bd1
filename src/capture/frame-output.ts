import { wallClockMs } from '../shared/audio-frame.ts';
import { FRAME_MS, type AudioFrame } from '../shared/audio-frame.ts';
import { PreRollRing } from './dsp/pre-roll.ts';
import type { ServiceEvent } from './service-io.ts';

/** The longest pre-roll kept (the setting allows up to 2 s). */
export const MAX_PREROLL_MS = 2000;

/**
 * Where finished frames go: to the session while capturing (numbered from 0 per start, the
 * numbers running on across device switches), into the pre-roll ring while only monitoring.
 */
export class FrameOutput {
  readonly #emit: (event: ServiceEvent) => void;
  readonly #ring = PreRollRing.forDuration(MAX_PREROLL_MS, FRAME_MS);
  #seq = 0;
  /** Frames go to the session (true) or the ring (false). */
  capturing = false;

  constructor(emit: (event: ServiceEvent) => void) {
    this.#emit = emit;
  }

  /** A new session starts: numbering restarts at 0. */
  restartNumbering(): void {
    this.#seq = 0;
  }

  accept(samples: Int16Array, captureTimeMs: number, sampleRate: number, callbackMs: number): void {
    const frame: AudioFrame = { seq: 0, captureTimeMs, sampleRate, samples };
    if (this.capturing) this.#send(frame, callbackMs, false);
    else this.#ring.push(frame);
  }

  /** Sends the newest `preRollMs` of the ring ahead of live frames; empties it. */
  flushPreRoll(preRollMs: number): void {
    for (const frame of this.#ring.drain(Math.round(preRollMs / FRAME_MS))) {
      this.#send(frame, frame.captureTimeMs + FRAME_MS, true);
    }
  }

  /** Drops buffered pre-roll (the device or rate changed, or capture stopped). */
  clearPreRoll(): void {
    this.#ring.clear();
  }

  #send(frame: AudioFrame, callbackMs: number, preRoll: boolean): void {
    this.#emit({
      type: 'frame',
      seq: this.#seq++,
      captureTimeMs: frame.captureTimeMs,
      sampleRate: frame.sampleRate,
      samples: frame.samples,
      preRoll,
      timing: { callbackMs, sentMs: wallClockMs() },
    });
  }
}
