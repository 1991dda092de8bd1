import { wordText, WordDetector } from './word-audio.ts';

/**
 * The per-connection input buffers of a Speaches realtime session, as its source keeps them
 * (speaches-ai/speaches @ 870e1e16, src/speaches/realtime/input_audio_buffer.py and
 * input_audio_buffer_event_router.py), run on the synthetic words of word-audio.ts instead of
 * Silero VAD:
 * - each item has its own buffer; `audio_start_ms` / `audio_end_ms` count from its start;
 * - the VAD runs after every append; speech starts at the first word in the buffer;
 * - speech stops once the buffer is longer than 3 s AND its speech ended at least
 *   `silence_duration_ms` (550 ms, rounded up to Silero's 32 ms frames: 580 ms) before the end
 *   of the audio; `audio_end_ms` is then the buffer's length (`prefix_padding_ms` is 0);
 * - the next buffer starts right after the append that stopped the speech.
 * Times are whole ms (`duration_ms = len // 16` at 16 kHz; the same ms at 24 kHz).
 */
export const STOP_SILENCE_MS = 580;
export const MIN_STOP_BUFFER_MS = 3_000;
/** `MIN_AUDIO_BUFFER_DURATION_MS` in input_audio_buffer_event_router.py. */
export const MIN_COMMIT_MS = 100;

export interface SpeachesBuffer {
  readonly id: string;
  /** Connection sample where this buffer starts. */
  readonly start: number;
  speechStart: number | null;
  speechEnd: number | null;
  readonly words: string[];
  done: boolean;
}

export type VadEvent =
  | { readonly kind: 'started'; readonly buffer: SpeachesBuffer; readonly audioStartMs: number }
  | { readonly kind: 'stopped'; readonly buffer: SpeachesBuffer; readonly audioEndMs: number };

export class SpeachesBuffers {
  readonly #rate: number;
  readonly #detector: WordDetector;
  readonly items: SpeachesBuffer[] = [];
  #length = 0;
  #lastWordEnd = 0;
  #next = 1;
  readonly #prefix: string;
  open: SpeachesBuffer;

  constructor(rate: number, prefix: string) {
    this.#rate = rate;
    this.#prefix = prefix;
    this.#detector = new WordDetector(rate);
    this.open = this.#newBuffer(0);
  }

  get length(): number {
    return this.#length;
  }

  ms(samples: number): number {
    return Math.floor((samples * 1000) / this.#rate);
  }

  /** One append: the VAD events it caused, and how many words it completed (for faults). */
  append(samples: Int16Array): { events: VadEvent[]; words: number } {
    const events: VadEvent[] = [];
    let words = 0;
    for (const e of this.#detector.push(samples)) {
      const open = this.open;
      if (e.kind === 'word-start' && open.speechStart === null) {
        open.speechStart = e.startSample;
        events.push({ kind: 'started', buffer: open, audioStartMs: this.ms(e.startSample - open.start) });
      } else if (e.kind === 'word') {
        open.words.push(wordText(e.id));
        this.#lastWordEnd = e.endSample;
        words += 1;
      }
    }
    this.#length += samples.length;
    const open = this.open;
    const silentMs = this.ms(this.#length - this.#lastWordEnd);
    if (
      open.speechStart !== null &&
      !this.#detector.inWord &&
      silentMs >= STOP_SILENCE_MS &&
      this.ms(this.#length - open.start) > MIN_STOP_BUFFER_MS
    ) {
      open.speechEnd = this.#length;
      events.push({ kind: 'stopped', buffer: open, audioEndMs: this.ms(this.#length - open.start) });
      this.open = this.#newBuffer(this.#length);
    }
    return { events, words };
  }

  /** A client commit: the open buffer becomes an item as it is, and a new one opens. */
  commitOpen(): SpeachesBuffer {
    const committed = this.open;
    this.open = this.#newBuffer(this.#length);
    return committed;
  }

  /** True while the open buffer's speech has started and not stopped. */
  get inSpeech(): boolean {
    return this.open.speechStart !== null;
  }

  #newBuffer(start: number): SpeachesBuffer {
    const buffer: SpeachesBuffer = {
      id: `item_${this.#prefix}${String(this.#next++).padStart(4, '0')}`,
      start,
      speechStart: null,
      speechEnd: null,
      words: [],
      done: false,
    };
    this.items.push(buffer);
    return buffer;
  }
}
