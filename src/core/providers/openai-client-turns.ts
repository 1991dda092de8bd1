import { appendAudio, clearAudio, commitAudio } from '../../shared/realtime/client-events.ts';
import type { TurnDetector, TurnEnd } from '../turns/turn-detector.ts';
import type { CommitLedger } from './openai-ledger.ts';
import { pcmBytes, samplesToMs, type WireMessage } from './types.ts';

/**
 * Client-side turns on an OpenAI-style socket with `turn_detection: null` (gpt-live-transcribe,
 * gpt-realtime-whisper: the client commits each turn). Audio is split at the turn ends the
 * detector finds, with a commit exactly there: once per utterance, in its pause, never inside
 * speech and never for silence alone. Silence left at the end of a stream is cleared, not
 * committed.
 */
export class ClientTurns {
  readonly #turns: TurnDetector;
  readonly #ledger: CommitLedger;
  readonly #rate: number;
  /** Speech span of each commit we sent, oldest first, until the service answers it. */
  readonly #spans: (TurnEnd | null)[] = [];

  constructor(turns: TurnDetector, ledger: CommitLedger, sampleRate: number) {
    this.#turns = turns;
    this.#ledger = ledger;
    this.#rate = sampleRate;
  }

  get inTurn(): boolean {
    return this.#turns.hasSpeech;
  }

  encode(samples: Int16Array): WireMessage[] {
    const base = this.#turns.position;
    const out: WireMessage[] = [];
    let from = 0;
    for (const end of this.#turns.push(samples)) {
      const cut = Math.max(from, end.cutAt - base);
      out.push(...this.#append(samples.subarray(from, cut)));
      from = cut;
      out.push(...this.#commit(end));
    }
    out.push(...this.#append(samples.subarray(from)));
    return out;
  }

  /** The stream ends: open speech is committed, silence since the last turn is cleared. */
  end(): WireMessage[] {
    const last = this.#turns.finish();
    if (last) return this.#commit(last);
    return this.#ledger.requestClear() ? [JSON.stringify(clearAudio())] : [];
  }

  /** The span of the oldest commit the service has not answered yet, in ms (connection time). */
  nextSpan(): { startMs: number; endMs: number } | undefined {
    const span = this.#spans.shift();
    return span
      ? { startMs: samplesToMs(span.speechStart, this.#rate), endMs: samplesToMs(span.speechEnd, this.#rate) }
      : undefined;
  }

  #append(samples: Int16Array): WireMessage[] {
    if (samples.length === 0) return [];
    this.#ledger.appended(samples.length);
    return [JSON.stringify(appendAudio(pcmBytes(samples).toString('base64')))];
  }

  #commit(end: TurnEnd): WireMessage[] {
    if (!this.#ledger.requestCommit()) return [];
    this.#spans.push(end);
    return [JSON.stringify(commitAudio())];
  }
}
