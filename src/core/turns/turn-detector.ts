import { createSileroVad, SILERO_RATE, SILERO_WINDOW, type SileroVad } from './silero.ts';

/**
 * Client-side turns for servers that have no VAD of their own (OpenAI's no-VAD transcription
 * models, vLLM realtime): Earshot decides from the audio where an utterance ended, so the
 * dialect can commit there. A turn ends only in a pause after speech: never inside speech
 * (Silero still hears speech) and never on silence alone (committed silence makes Whisper-class
 * models invent text).
 *
 * Sample indices are at the stream's rate, counted from the first sample pushed. Silero runs
 * at 16 kHz; other rates are brought down by linear interpolation, which is plenty for a
 * speech/no-speech decision (the audio sent to the server is untouched).
 */
export interface TurnEnd {
  /** Where to commit: inside the pause after the speech, no later than the last sample pushed. */
  readonly cutAt: number;
  readonly speechStart: number;
  readonly speechEnd: number;
}

export interface TurnDetectorOptions {
  readonly vadModelPath: string;
  /** The stream's PCM rate. */
  readonly sampleRate: number;
  /** Silence that ends a turn (ms). OpenAI's server VAD default is 500. */
  readonly silenceMs?: number;
  readonly threshold?: number;
}

const MIN_SPEECH_MS = 250;
/**
 * Silero splits speech longer than this even without a pause; such a split is inside speech, so
 * the detector does not end a turn there (it waits for the real pause).
 */
const MAX_SPEECH_S = 60;

export class TurnDetector {
  readonly #vad: SileroVad;
  /** Stream samples per Silero sample (1.5 at 24 kHz). */
  readonly #step: number;
  #pushed = 0;
  #fed16 = 0;
  #produced16 = 0;
  #prev = 0;
  #pending = new Float32Array(0);
  #turn: { start: number; end: number } | null = null;

  constructor(o: TurnDetectorOptions) {
    this.#step = o.sampleRate / SILERO_RATE;
    this.#vad = createSileroVad({
      modelPath: o.vadModelPath,
      threshold: o.threshold ?? 0.5,
      minSilenceMs: o.silenceMs ?? 500,
      minSpeechMs: MIN_SPEECH_MS,
      maxSpeechS: MAX_SPEECH_S,
    });
  }

  /** Silero hears speech right now. */
  get speaking(): boolean {
    return this.#vad.isDetected();
  }

  /** Speech was heard since the last turn end (finished or still going). */
  get hasSpeech(): boolean {
    return this.#turn !== null || this.#vad.isDetected();
  }

  /** Samples pushed so far. */
  get position(): number {
    return this.#pushed;
  }

  /** Feeds audio; returns the turns that ended inside it, oldest first. */
  push(samples: Int16Array): TurnEnd[] {
    const from = this.#pushed;
    const down = this.#downsample(samples);
    this.#pushed += samples.length;
    const joined = new Float32Array(this.#pending.length + down.length);
    joined.set(this.#pending);
    joined.set(down, this.#pending.length);
    const ends: TurnEnd[] = [];
    let offset = 0;
    for (; offset + SILERO_WINDOW <= joined.length; offset += SILERO_WINDOW) {
      this.#vad.acceptWaveform(joined.subarray(offset, offset + SILERO_WINDOW));
      this.#fed16 += SILERO_WINDOW;
      const end = this.#drain(from);
      if (end) ends.push(end);
    }
    this.#pending = joined.slice(offset);
    return ends;
  }

  /**
   * The stream is ending: speech still open counts as a turn that ends with the audio. Null
   * when nothing but silence followed the last turn end.
   */
  finish(): TurnEnd | null {
    this.#vad.flush();
    const from = this.#pushed;
    const end = this.#drain(from, true);
    if (end) return end;
    const turn = this.#turn;
    this.#turn = null;
    return turn ? { cutAt: this.#pushed, speechStart: turn.start, speechEnd: turn.end } : null;
  }

  /** The client committed for another reason (a bound on unsettled audio): what was heard is in that turn. */
  cut(): void {
    this.#turn = null;
  }

  /** Takes finished segments off the VAD; a turn ends when the VAD no longer hears speech after one. */
  #drain(chunkStart: number, ending = false): TurnEnd | null {
    while (!this.#vad.isEmpty()) {
      const segment = this.#vad.front(false);
      this.#vad.pop();
      const start = this.#toStream(segment.start);
      const end = this.#toStream(segment.start + segment.samples.length);
      this.#turn = { start: this.#turn?.start ?? start, end: Math.max(this.#turn?.end ?? 0, end) };
    }
    if (!this.#turn || (this.#vad.isDetected() && !ending)) return null;
    const turn = this.#turn;
    this.#turn = null;
    // The VAD decided after its silence run: that point is in the pause, inside this chunk.
    const cutAt = Math.min(this.#pushed, Math.max(chunkStart, turn.end, this.#toStream(this.#fed16)));
    return { cutAt, speechStart: turn.start, speechEnd: turn.end };
  }

  #toStream(sample16: number): number {
    return Math.round(sample16 * this.#step);
  }

  /** Int16 at the stream rate → float at 16 kHz (linear interpolation across chunk borders). */
  #downsample(samples: Int16Array): Float32Array {
    const base = this.#pushed;
    const last = base + samples.length - 1;
    const out: number[] = [];
    for (let src = this.#produced16 * this.#step; src <= last; src = this.#produced16 * this.#step) {
      const i0 = Math.floor(src);
      const frac = src - i0;
      const s0 = i0 < base ? this.#prev : samples[i0 - base]!;
      const s1 = frac === 0 || i0 + 1 > last ? s0 : samples[i0 + 1 - base]!;
      out.push((s0 + (s1 - s0) * frac) / 32768);
      this.#produced16 += 1;
    }
    if (samples.length > 0) this.#prev = samples[samples.length - 1]!;
    return Float32Array.from(out);
  }
}
