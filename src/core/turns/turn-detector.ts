import { QuietCut } from './quiet-cut.ts';
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
 *
 * Speech that goes on without a pause for `maxTurnMs` is ended at its quietest point
 * (quiet-cut.ts): the only turn end inside speech, and it is what keeps a server's unsettled
 * audio, and the replay after a drop, bounded.
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
  /** Longest turn without a pause before it is cut at its quietest point. */
  readonly maxTurnMs?: number;
}

/** Long enough for any spoken sentence; short enough that a replay after a drop stays small. */
export const MAX_TURN_MS = 15_000;

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
  readonly #quiet: QuietCut;
  /** The last cut made inside speech: what Silero reports before it belongs to the turn it ended. */
  #lastCut = 0;
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
    this.#quiet = new QuietCut({ sampleRate: o.sampleRate, maxTurnMs: o.maxTurnMs ?? MAX_TURN_MS });
  }

  /** Silero hears speech right now. */
  get speaking(): boolean {
    return this.#vad.isDetected();
  }

  /** Speech was heard since the last turn end (finished or still going). */
  get hasSpeech(): boolean {
    return this.#turn !== null || this.#vad.isDetected();
  }

  /** Audio from here on may still be cut into (a turn near its length limit): hold it back. */
  get holdFrom(): number | null {
    return this.#quiet.holdFrom;
  }

  /** Samples pushed so far. */
  get position(): number {
    return this.#pushed;
  }

  /** Feeds audio; returns the turns that ended inside it, oldest first. */
  push(samples: Int16Array): TurnEnd[] {
    const from = this.#pushed;
    const quietCut = this.#quiet.push(samples, from, this.hasSpeech);
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
    if (ends.length > 0 || quietCut === null) return ends;
    return [this.#cutInSpeech(quietCut.at, quietCut.since)];
  }

  /** Ends the turn inside speech (it ran too long); what Silero still hears belongs to the next one. */
  #cutInSpeech(at: number, since: number): TurnEnd {
    const end: TurnEnd = { cutAt: at, speechStart: Math.min(this.#turn?.start ?? since, since), speechEnd: at };
    this.#turn = null;
    this.#lastCut = at;
    return end;
  }

  /**
   * The stream is ending: speech still open counts as a turn that ends with the audio. Null
   * when nothing but silence followed the last turn end.
   */
  finish(): TurnEnd | null {
    this.#quiet.reset(); // nothing more will be cut: everything held may go
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
    this.#quiet.reset();
  }

  /** Takes finished segments off the VAD; a turn ends when the VAD no longer hears speech after one. */
  #drain(chunkStart: number, ending = false): TurnEnd | null {
    while (!this.#vad.isEmpty()) {
      const segment = this.#vad.front(false);
      this.#vad.pop();
      const start = Math.max(this.#lastCut, this.#toStream(segment.start));
      const end = this.#toStream(segment.start + segment.samples.length);
      if (end <= this.#lastCut) continue;
      this.#turn = { start: this.#turn?.start ?? start, end: Math.max(this.#turn?.end ?? 0, end) };
    }
    if (!this.#turn || (this.#vad.isDetected() && !ending)) return null;
    const turn = this.#turn;
    this.#turn = null;
    this.#quiet.reset();
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
