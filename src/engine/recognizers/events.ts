import type { TimedWord } from './word-timing.ts';

/**
 * What a recognizer session reports, independent of transport. `segment` numbers the items
 * of one session; the WebSocket layer maps them to item ids. Times are audio ms since the
 * session began.
 */
export type RecognizerEvent =
  | { readonly type: 'speech_started'; readonly segment: number; readonly audioStartMs: number }
  | { readonly type: 'speech_stopped'; readonly segment: number; readonly audioEndMs: number }
  | { readonly type: 'delta'; readonly segment: number; readonly delta: string }
  | { readonly type: 'committed'; readonly segment: number }
  | {
      readonly type: 'completed';
      readonly segment: number;
      readonly transcript: string;
      readonly startMs: number;
      readonly endMs: number;
      readonly durationS: number;
      readonly words: readonly TimedWord[];
    }
  | { readonly type: 'failed'; readonly segment: number; readonly message: string }
  | { readonly type: 'commit_empty'; readonly eventId: string | null; readonly bufferedMs: number };

/** The session settings that reach the recognizer (the rest is protocol bookkeeping). */
export interface RecognizerSettings {
  /** Rate of the PCM16 the client sends. */
  readonly inputRate: number;
  /** null: the client commits (turn_detection null). */
  readonly vad: {
    readonly threshold: number;
    readonly prefixPaddingMs: number;
    readonly silenceDurationMs: number;
  } | null;
}

/** One connection's recognizer: fed PCM16 at the session rate, answers with events. */
export interface RecognizerSession {
  /**
   * `partials: false` asks the session to skip optional work (re-decoding the open segment
   * for deltas) because the decoder is behind; finals are never skipped.
   */
  acceptAudio(samples: Int16Array, options?: { readonly partials: boolean }): RecognizerEvent[];
  commit(eventId: string | null): RecognizerEvent[];
  clear(): void;
  configure(settings: RecognizerSettings): void;
  close(): void;
}
