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
 * Everything the capture process sends to its parent goes through here, in order. Frames wait
 * until `perMessage` of them are held and then go as one `frames` message; level readings
 * taken meanwhile ride along (a meter does not mind 20 ms). Any other message (a reply, a
 * device event, a helper request) first sends what is held, so the parent sees frames in the
 * order it would have seen them one by one. No timer: frames arrive every 20 ms while a stream
 * runs, and when one stops, the event or reply that says so carries the held frames out first.
 */
export class FrameBatcher {
  readonly #post: (message: unknown) => void;
  readonly #perMessage: number;
  #frames: CaptureFrameMessage[] = [];
  #levels: Level[] = [];

  constructor(post: (message: unknown) => void, perMessage = FRAMES_PER_MESSAGE) {
    this.#post = post;
    this.#perMessage = perMessage;
  }

  post(message: CaptureMessage): void {
    if (this.#perMessage > 1) {
      if (message.type === 'frame') {
        this.#frames.push(message);
        if (this.#frames.length >= this.#perMessage) this.flush();
        return;
      }
      // With no frames held (only monitoring: frames go to the pre-roll ring), a level goes at once.
      if (message.type === 'level' && this.#frames.length > 0) {
        this.#levels.push(message.level);
        return;
      }
    }
    this.flush();
    this.#post(message);
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
