/**
 * When a Universal-3 Pro model sends a partial (sources in fake-assemblyai.ts's header): one early
 * partial once a turn has 750 ms of speech, then one per pause of `min_turn_silence`.
 */
const EARLY_PARTIAL_MS = 750;

export function isU3ProModel(model: string | null): boolean {
  return model !== null && /^(u3-|universal-3)/.test(model);
}

export class U3Partials {
  static readonly MIN_TURN_SILENCE_MS = 100;
  static readonly MAX_TURN_SILENCE_MS = 1_000;
  readonly #minSilenceMs: number;
  #earlySent = false;

  constructor(minSilenceMs: number) {
    this.#minSilenceMs = minSilenceMs;
  }

  /** True when the word just heard brings the turn to the early partial. */
  afterWord(words: readonly { startSample: number; endSample: number }[], rate: number): boolean {
    if (this.#earlySent || words.length === 0) return false;
    const spokenMs = ((words.at(-1)!.endSample - words[0]!.startSample) * 1000) / rate;
    if (spokenMs < EARLY_PARTIAL_MS) return false;
    this.#earlySent = true;
    return true;
  }

  /** True when this silent window completes a pause long enough for a partial (one per pause). */
  atSilence(run: number, windowSamples: number, rate: number, words: number): boolean {
    return words > 0 && (run * windowSamples * 1000) / rate === this.#minSilenceMs;
  }

  turnEnded(): void {
    this.#earlySent = false;
  }
}
