/**
 * Synthetic "speech" the fake services can recognise exactly.
 *
 * The fakes cannot run speech recognition, yet the fault tests need to know precisely which
 * words a service heard, so words are coded in the audio: word `id` is a 160 ms square wave of
 * amplitude 2000 + 150·id (alternating sign every sample, so any 20 ms window inside it peaks
 * at exactly that amplitude); words are separated by 60 ms of silence, utterances by longer
 * pauses. `WordDetector` reads it back in 20 ms windows, the way a VAD and recogniser would.
 */
export const WORD_MS = 160;
export const WORD_GAP_MS = 60;
const BASE_AMPLITUDE = 2000;
const STEP = 150;
const SILENCE_PEAK = 500;

export function wordText(id: number): string {
  return `w${id}`;
}

export interface SyntheticWord {
  readonly id: number;
  readonly startMs: number;
  readonly endMs: number;
}

export interface SyntheticSpeech {
  readonly sampleRate: number;
  readonly samples: Int16Array;
  readonly words: readonly SyntheticWord[];
  /** The text of each utterance, in order. */
  readonly utterances: readonly string[];
}

/** Builds `utterances` (each a list of word ids) with lead-in, pauses and a tail of silence. */
export function synthesizeSpeech(
  sampleRate: number,
  utterances: readonly (readonly number[])[],
  { leadMs = 400, pauseMs = 1200, tailMs = 1000 }: { leadMs?: number; pauseMs?: number; tailMs?: number } = {},
): SyntheticSpeech {
  const perMs = sampleRate / 1000;
  let totalMs = leadMs + tailMs;
  utterances.forEach((u, i) => {
    totalMs += u.length * WORD_MS + (u.length - 1) * WORD_GAP_MS + (i > 0 ? pauseMs : 0);
  });
  const samples = new Int16Array(Math.round(totalMs * perMs));
  const words: SyntheticWord[] = [];
  let ms = leadMs;
  utterances.forEach((u, i) => {
    if (i > 0) ms += pauseMs;
    u.forEach((id, j) => {
      if (j > 0) ms += WORD_GAP_MS;
      const amplitude = BASE_AMPLITUDE + STEP * id;
      const from = Math.round(ms * perMs);
      const to = Math.round((ms + WORD_MS) * perMs);
      for (let k = from; k < to; k++) samples[k] = (k - from) % 2 === 0 ? amplitude : -amplitude;
      words.push({ id, startMs: ms, endMs: ms + WORD_MS });
      ms += WORD_MS;
    });
  });
  return { sampleRate, samples, words, utterances: utterances.map((u) => u.map(wordText).join(' ')) };
}

export type DetectorEvent =
  | { readonly kind: 'word-start'; readonly id: number; readonly startSample: number }
  | { readonly kind: 'word'; readonly id: number; readonly startSample: number; readonly endSample: number }
  /** One more silent window; `run` counts consecutive silent windows, `endSample` is the window's end. */
  | { readonly kind: 'silence'; readonly run: number; readonly endSample: number };

/** Reads words back from audio fed in any chunk sizes, in 20 ms windows from sample 0. */
export class WordDetector {
  readonly windowSamples: number;
  #pending: number[] = [];
  #position = 0;
  #current: { id: number; start: number } | null = null;
  #silentRun = 0;

  constructor(sampleRate: number) {
    this.windowSamples = sampleRate / 50;
  }

  /** Samples consumed into whole windows so far. */
  get position(): number {
    return this.#position;
  }

  get inWord(): boolean {
    return this.#current !== null;
  }

  push(samples: Int16Array): DetectorEvent[] {
    const events: DetectorEvent[] = [];
    for (const s of samples) {
      this.#pending.push(s);
      if (this.#pending.length === this.windowSamples) {
        this.#window(this.#pending, events);
        this.#pending = [];
      }
    }
    return events;
  }

  /** Ends the current word at the end of everything received (a commit or end of stream). */
  flush(): DetectorEvent[] {
    const events: DetectorEvent[] = [];
    if (this.#pending.length > 0) {
      this.#window(this.#pending, events);
      this.#pending = [];
    }
    if (this.#current) {
      events.push({ kind: 'word', id: this.#current.id, startSample: this.#current.start, endSample: this.#position });
      this.#current = null;
    }
    return events;
  }

  #window(window: number[], events: DetectorEvent[]): void {
    let peak = 0;
    for (const s of window) peak = Math.max(peak, Math.abs(s));
    const start = this.#position;
    this.#position += window.length;
    if (peak < SILENCE_PEAK) {
      if (this.#current) {
        events.push({ kind: 'word', id: this.#current.id, startSample: this.#current.start, endSample: start });
        this.#current = null;
        this.#silentRun = 0;
      }
      this.#silentRun += 1;
      events.push({ kind: 'silence', run: this.#silentRun, endSample: this.#position });
      return;
    }
    const id = Math.round((peak - BASE_AMPLITUDE) / STEP);
    if (this.#current && this.#current.id !== id) {
      events.push({ kind: 'word', id: this.#current.id, startSample: this.#current.start, endSample: start });
      this.#current = null;
    }
    if (!this.#current) {
      this.#current = { id, start };
      this.#silentRun = 0;
      events.push({ kind: 'word-start', id, startSample: start });
    }
  }
}
