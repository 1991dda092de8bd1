import { appendAudio, clearAudio, commitAudio } from '../../shared/realtime/client-events.ts';
import type { TurnDetector, TurnEnd } from '../turns/turn-detector.ts';
import { HeldAudio } from './dialects/vllm-held.ts';
import type { CommitLedger } from './openai-ledger.ts';
import { pcmBytes, samplesToMs, type WireMessage } from './types.ts';

/**
 * Client-side turns on an OpenAI-style socket with `turn_detection: null` (gpt-live-transcribe,
 * gpt-realtime-whisper: the client commits each turn). Audio is split at the turn ends the
 * detector finds, with a commit exactly there: once per utterance, in its pause, never inside
 * speech and never for silence alone. Silence left at the end of a stream is cleared, not
 * committed. A turn that runs on without a pause is cut at its quietest point (quiet-cut.ts); the
 * audio that cut may still fall into is held here until it is known.
 */
export class ClientTurns {
  readonly #turns: TurnDetector;
  readonly #ledger: CommitLedger;
  readonly #rate: number;
  /** Speech span of each commit we sent, oldest first, until the service answers it. */
  readonly #spans: (TurnEnd | null)[] = [];
  readonly #held = new HeldAudio();
  /** Samples appended to the service (the rest of what was given is held). */
  #sent = 0;

  constructor(turns: TurnDetector, ledger: CommitLedger, sampleRate: number) {
    this.#turns = turns;
    this.#ledger = ledger;
    this.#rate = sampleRate;
  }

  get inTurn(): boolean {
    return this.#turns.hasSpeech;
  }

  /** Audio given but not yet sent (a long turn's cut is not known yet). */
  get held(): number {
    return this.#held.length;
  }

  encode(samples: Int16Array): WireMessage[] {
    const ends = this.#turns.push(samples);
    this.#held.hold(samples);
    const out: WireMessage[] = [];
    for (const end of ends) out.push(...this.#sendUntil(end.cutAt), ...this.#commit(end));
    out.push(...this.#sendUntil(this.#turns.holdFrom ?? this.#turns.position));
    return out;
  }

  /** The stream ends: open speech is committed, silence since the last turn is cleared. */
  end(): WireMessage[] {
    const last = this.#turns.finish();
    const rest = this.#sendUntil(this.#turns.position);
    if (last) return [...rest, ...this.#commit(last)];
    return this.#ledger.requestClear() ? [...rest, JSON.stringify(clearAudio())] : rest;
  }

  /** The span of the oldest commit the service has not answered yet, in ms (connection time). */
  nextSpan(): { startMs: number; endMs: number } | undefined {
    const span = this.#spans.shift();
    return span
      ? { startMs: samplesToMs(span.speechStart, this.#rate), endMs: samplesToMs(span.speechEnd, this.#rate) }
      : undefined;
  }

  /** Appends held audio up to stream sample `at`. */
  #sendUntil(at: number): WireMessage[] {
    return this.#held.take(Math.max(0, at - this.#sent)).map((chunk) => {
      this.#sent += chunk.length;
      this.#ledger.appended(chunk.length);
      return JSON.stringify(appendAudio(pcmBytes(chunk).toString('base64')));
    });
  }

  #commit(end: TurnEnd): WireMessage[] {
    if (!this.#ledger.requestCommit()) return [];
    this.#spans.push(end);
    return [JSON.stringify(commitAudio())];
  }
}
