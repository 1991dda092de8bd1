import type { AudioFrame } from '../../shared/audio-frame.ts';

/**
 * The last few hundred ms of frames while the microphone is open but no session runs, so a
 * session that starts on a warm microphone begins with the words spoken just before the press
 * (peers lose the first 0.5–3 s here). A fixed-size ring: old frames fall off the far end.
 */
export class PreRollRing {
  readonly #frames: (AudioFrame | undefined)[];
  #next = 0;
  #size = 0;

  constructor(capacityFrames: number) {
    this.#frames = new Array<AudioFrame | undefined>(Math.max(0, Math.floor(capacityFrames)));
  }

  static forDuration(ms: number, frameMs: number): PreRollRing {
    return new PreRollRing(Math.ceil(ms / frameMs));
  }

  get capacity(): number {
    return this.#frames.length;
  }

  get size(): number {
    return this.#size;
  }

  push(frame: AudioFrame): void {
    if (this.#frames.length === 0) return;
    this.#frames[this.#next] = frame;
    this.#next = (this.#next + 1) % this.#frames.length;
    this.#size = Math.min(this.#size + 1, this.#frames.length);
  }

  /** The buffered frames, oldest first, at most the newest `maxFrames`; empties the ring. */
  drain(maxFrames = this.#size): AudioFrame[] {
    const count = Math.min(this.#size, Math.max(0, maxFrames));
    const out: AudioFrame[] = [];
    const cap = this.#frames.length;
    for (let k = count; k > 0; k--) out.push(this.#frames[(this.#next - k + cap) % cap]!);
    this.clear();
    return out;
  }

  clear(): void {
    this.#frames.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}
