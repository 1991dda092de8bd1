import type { Level } from '../shared/devices.ts';
import { CAPTURE_PROTOCOL_VERSION, type CaptureFrameMessage, type CaptureMessage } from '../shared/capture-protocol.ts';

/**
 * Frames per message to the parent. Each IPC message costs a write here, a read, a parse and
 * a wake-up in the parent, and (through the session) a WebSocket message and a wake-up in the
 * engine; at 20 ms per frame that per-message cost was a large part of Earshot's listening CPU.
 * See bench/suites/listening.ts and the README's performance section for what 1, 2 and 5 cost
 * and add in delay. EARSHOT_CAPTURE_FRAMES_PER_MESSAGE overrides it, for that measurement.
 */
export const FRAMES_PER_MESSAGE = 2;

export function framesPerMessage(env: Readonly<Record<string, string | undefined>>): number {
  const value = Number(env['EARSHOT_CAPTURE_FRAMES_PER_MESSAGE']);
  return Number.isInteger(value) && value >= 1 && value <= 50 ? value : FRAMES_PER_MESSAGE;
}

/**
 * While a microphone is quiet, frames wait until this many are held (200 ms): nobody is
 * speaking, so nothing on screen waits for them, and the parent, the engine and its decoder
 * wake five times a second instead of 25. Speech ends it at once (see QUIET_PEAK).
 */
export const QUIET_FRAMES_PER_MESSAGE = 10;
/**
 * A frame whose peak is above this (−46 dBFS) may be speech: it goes out at once with
 * everything held, so the onset of speech is never delayed. Room noise on a laptop mic peaks
 * lower; a noisier room just keeps the normal cadence.
 */
const QUIET_PEAK = 164;
/**
 * After the last frame above QUIET_PEAK, the normal cadence holds this long (2 s): the end of
 * an utterance is where a service decides its turn is over (after 0.3–1 s of silence), and the
 * final must not wait for a batch.
 */
const QUIET_AFTER_FRAMES = 100;

/**
 * Everything the capture process sends to its parent goes through here, in order. Frames wait
 * until `perMessage` of them are held and then go as one `frames` message; level readings
 * taken meanwhile ride along (a meter does not mind 20 ms). Any other message (a reply, a
 * device event, a helper request) first sends what is held, so the parent sees frames in the
 * order it would have seen them one by one. No timer: frames arrive every 20 ms while a stream
 * runs, and when one stops, the event or reply that says so carries the held frames out first.
 *
 * A microphone that has been quiet for 2 s is batched QUIET_FRAMES_PER_MESSAGE at a time.
 * System audio is not: in Meeting mode the echo gate holds the microphone's frames until the
 * system audio of the same moment has arrived, so a late system frame would delay the user.
 * The batcher learns the open device's kind from the `stream-opened` event it carries.
 */
export class FrameBatcher {
  readonly #post: (message: unknown) => void;
  readonly #perMessage: number;
  #frames: CaptureFrameMessage[] = [];
  #levels: Level[] = [];
  /** Whether the open stream is a microphone (quiet batching applies). */
  #microphone = false;
  /** Frames since the last one above QUIET_PEAK. */
  #quietFrames = 0;

  constructor(post: (message: unknown) => void, perMessage = FRAMES_PER_MESSAGE) {
    this.#post = post;
    this.#perMessage = perMessage;
  }

  post(message: CaptureMessage): void {
    if (this.#perMessage > 1) {
      if (message.type === 'frame') {
        this.#frames.push(message);
        if (this.#frames.length >= this.#heldAtMost(message.samples)) this.flush();
        return;
      }
      // With no frames held (only monitoring: frames go to the pre-roll ring), a level goes at once.
      if (message.type === 'level' && this.#frames.length > 0) {
        this.#levels.push(message.level);
        return;
      }
    }
    if (message.type === 'stream-opened') {
      this.#microphone = message.stream.device.kind !== 'system';
      this.#quietFrames = 0;
    }
    this.flush();
    this.#post(message);
  }

  /** How many frames may be held now, given the newest one's samples. */
  #heldAtMost(samples: Int16Array): number {
    if (!this.#microphone) return this.#perMessage;
    let peak = 0;
    for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
    this.#quietFrames = peak > QUIET_PEAK ? 0 : this.#quietFrames + 1;
    return this.#quietFrames > QUIET_AFTER_FRAMES ? QUIET_FRAMES_PER_MESSAGE : this.#perMessage;
  }

  /** Sends what is held now (one frame alone goes as a plain `frame`). */
  flush(): void {
    if (this.#frames.length === 0) return;
    const frames = this.#frames;
    const levels = this.#levels;
    this.#frames = [];
    this.#levels = [];
    if (frames.length === 1 && levels.length === 0) this.#post(frames[0]);
    else this.#post({ v: CAPTURE_PROTOCOL_VERSION, type: 'frames', frames, ...(levels.length > 0 ? { levels } : {}) });
  }
}
