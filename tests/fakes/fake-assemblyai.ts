import type { IncomingMessage } from 'node:http';
import {
  assemblyAiClientMessageSchema,
  assemblyAiServerMessages,
  type AssemblyAiClientMessage,
  type AssemblyAiServerMessage,
} from '../../src/core/providers/assemblyai-messages.ts';
import { UrlConfiguredFake, type FakeConnection, type FaultPlan, type Refusal, type WordFault } from './fake-base.ts';
import { U3Partials, isU3ProModel } from './u3pro-turns.ts';
import { wordText, WordDetector, type DetectorEvent } from './word-audio.ts';

/**
 * A fake AssemblyAI Universal Streaming v3 server (`/v3/ws`).
 *
 * Follows (message shapes: src/core/providers/assemblyai-messages.ts, which the fake builds and
 * reads with, so they are written once):
 * - AssemblyAI/assemblyai-api-spec, usm-streaming.yml (query parameters `sample_rate`, `encoding`,
 *   `format_turns`, `max_turn_silence`; the raw key in `Authorization`; audio messages of
 *   50–1000 ms; `Begin`, `Turn`, `Termination`; `ForceEndpoint`, `Terminate`, `UpdateConfiguration`)
 * - AssemblyAI/assemblyai-api-spec, fern/pages/02-speech-to-text/universal-streaming/
 *   universal-streaming-messages.mdx (a turn's `transcript` grows word by word, words in ms with
 *   `word_is_final`; `end_of_turn`, then the formatted repeat with `turn_is_formatted`)
 * - https://www.assemblyai.com/docs/streaming/universal-streaming/message-sequence (after
 *   `Terminate`: in-flight turns, `Termination`, close 1000)
 * - https://www.assemblyai.com/docs/streaming/common-session-errors-and-closures (an `Error`
 *   frame, then the close with the same code: 1008 bad key, 3005, 3006, 3007 input duration
 *   and transmission rate, 3008 session expired)
 * - AssemblyAI/assemblyai-node-sdk, src/types/streaming/index.ts (the SDK's typing)
 *
 * - Universal-3 Pro models (`speech_model` `u3-rt-pro`, `universal-3-5-pro`, …):
 *   https://assemblyai.com/docs/streaming/universal-3-pro/turn-detection-and-partials and
 *   https://assemblyai.com/docs/streaming/universal-3-pro/u3-pro-message-sequence (no word-by-word
 *   partials: one early partial after 750 ms of continuous speech, then one per pause of
 *   `min_turn_silence` (default 100 ms); a partial's `transcript` is the WHOLE turn so far and
 *   every word in it has `word_is_final: false`; the end-of-turn message is formatted (always on),
 *   every word final, `utterance` equal to `transcript`; no formatted repeat; `max_turn_silence`
 *   defaults to 1000 ms)
 *
 * Not from the docs: the end of a turn after `max_turn_silence` (default 400 ms here) of
 * silence for Universal Streaming, and the tolerance of the optional transmission-rate rule
 * (`rateLimit`, below).
 *
 * Accounting: a final (formatted) turn accounts up to its last word's end; `Termination`
 * accounts for everything received.
 */
export interface FakeAssemblyAiOptions {
  readonly apiKey: string;
  readonly faults?: FaultPlan;
  /**
   * AssemblyAI closes a session that is sent audio faster than real time: `Error` 3007 "Audio
   * Transmission Rate Exceeded: Received <x> sec. audio in <y> sec", then close 3007 ("Common
   * session errors and closures"). It documents no tolerance; a server must allow some, or a
   * client could never catch up after a stall. With this set, the fake closes a connection
   * once the audio it received exceeds `maxRealtimeFactor` × the time since it opened, plus
   * `burstMs` (network jitter). {maxRealtimeFactor: 1.25, burstMs: 1000} is plausible: 1.25×
   * is Deepgram's documented maximum and the rate AssemblyAI's throttle is reported at.
   * Off by default: the other tests run their microphones 20× faster than real time.
   */
  readonly rateLimit?: { readonly maxRealtimeFactor: number; readonly burstMs: number };
}

interface State {
  rate: number;
  formatTurns: boolean;
  detector: WordDetector;
  turnOrder: number;
  words: { id: number; startSample: number; endSample: number }[];
  started: number;
  /** performance.now() when the connection opened (the rate rule's clock). */
  openedAt: number;
  /** Silence that ends a turn: the URL's `max_turn_silence`, else 400 ms (U3 Pro: 1000 ms). */
  endOfTurnSilenceMs: number;
  /** A Universal-3 Pro model: its partials and turn ends (u3pro-turns.ts). */
  u3: U3Partials | null;
}

const END_OF_TURN_SILENCE_MS = 400;

export class FakeAssemblyAi extends UrlConfiguredFake<
  FakeAssemblyAiOptions,
  State,
  AssemblyAiServerMessage,
  AssemblyAiClientMessage
> {
  constructor(options: FakeAssemblyAiOptions) {
    super(
      {
        path: '/v3/ws',
        notFoundBody: '{"error":"Not found"}',
        server: assemblyAiServerMessages.schema,
        client: assemblyAiClientMessageSchema,
      },
      options,
    );
  }

  protected checkRequest(url: URL, _request: IncomingMessage): Refusal | null {
    if (!url.searchParams.get('sample_rate')) return { status: 400, body: '{"error":"sample_rate is required"}' };
    return null; // AssemblyAI reports a bad key after the upgrade, with close 1008.
  }

  protected onConnection(conn: FakeConnection): void {
    const query = this.queryOf(conn);
    if (conn.request.headers.authorization !== this.options.apiKey) {
      this.#fail(conn, 1008, 'Unauthorized Connection: Invalid API key', 'Unauthorized Connection');
      return;
    }
    const rate = Number(query.get('sample_rate'));
    const u3 = isU3ProModel(query.get('speech_model'));
    this.states.set(conn, {
      rate,
      formatTurns: query.get('format_turns') === 'true',
      detector: new WordDetector(rate),
      turnOrder: 0,
      words: [],
      started: Date.now(),
      openedAt: performance.now(),
      endOfTurnSilenceMs: Number(
        query.get('max_turn_silence') ?? (u3 ? U3Partials.MAX_TURN_SILENCE_MS : END_OF_TURN_SILENCE_MS),
      ),
      u3: u3 ? new U3Partials(Number(query.get('min_turn_silence') ?? U3Partials.MIN_TURN_SILENCE_MS)) : null,
    });
    this.sendMessage(conn, {
      type: 'Begin',
      id: `fake-session-${conn.index}`,
      expires_at: Math.floor(Date.now() / 1000) + 3 * 3600,
    });
  }

  protected onMessage(conn: FakeConnection, data: Buffer, isBinary: boolean): void {
    const state = this.states.get(conn);
    if (!state) return;
    if (isBinary) {
      const ms = (data.length / 2 / state.rate) * 1000;
      if (data.length % 2 !== 0 || ms < 50 || ms > 1000) {
        const error = `Input duration violation: ${ms.toFixed(0)} ms. Expected between 50 and 1000 ms.`;
        this.#fail(conn, 3007, error, 'Input duration violation');
        return;
      }
      const samples = new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
      if (this.#tooFast(conn, state, samples.length)) return;
      conn.audio.append(samples);
      this.#onDetector(conn, state, state.detector.push(samples));
      return;
    }
    const read = this.readClientText(data);
    if (read.kind === 'not-json') {
      this.#fail(conn, 3006, 'Invalid JSON', 'Invalid Message');
      return;
    }
    if (read.kind === 'unknown') {
      this.#fail(conn, 3006, `Invalid Message Type: ${String(read.type)}`, 'Invalid Message Type');
      return;
    }
    switch (read.message.type) {
      case 'KeepAlive':
      case 'UpdateConfiguration':
        return;
      case 'ForceEndpoint':
        this.#onDetector(conn, state, state.detector.flush());
        this.#endTurn(conn, state);
        return;
      case 'Terminate':
        if (this.dropsOnEnd(conn)) return;
        this.answerEnd(conn, () => {
          this.#onDetector(conn, state, state.detector.flush());
          this.#endTurn(conn, state);
          this.sendMessage(conn, {
            type: 'Termination',
            audio_duration_seconds: Math.round(conn.audio.length / state.rate),
            session_duration_seconds: Math.round((Date.now() - state.started) / 1000),
          });
          this.account(conn, conn.audio.length, 'Termination');
          conn.close(1000, '');
        });
        return;
    }
  }

  #onDetector(conn: FakeConnection, state: State, events: DetectorEvent[]): void {
    for (const event of events) {
      if (conn.closed || conn.silent) return;
      if (event.kind === 'word') {
        state.words.push({ id: event.id, startSample: event.startSample, endSample: event.endSample });
        if (!state.u3) this.#turn(conn, state, false, false);
        else if (state.u3.afterWord(state.words, state.rate)) this.#turn(conn, state, false, false);
        this.#fault(conn, this.afterWord(conn));
      } else if (
        event.kind === 'silence' &&
        state.u3?.atSilence(event.run, state.detector.windowSamples, state.rate, state.words.length)
      ) {
        this.#turn(conn, state, false, false);
      } else if (
        event.kind === 'silence' &&
        state.words.length > 0 &&
        (event.run * state.detector.windowSamples * 1000) / state.rate === state.endOfTurnSilenceMs
      ) {
        this.#endTurn(conn, state);
      }
    }
  }

  /** The transmission-rate rule: true when this message broke it and the connection is closed. */
  #tooFast(conn: FakeConnection, state: State, samples: number): boolean {
    const limit = this.options.rateLimit;
    if (!limit) return false;
    const audioSec = (conn.audio.length + samples) / state.rate;
    const elapsedSec = (performance.now() - state.openedAt) / 1000;
    if (audioSec <= elapsedSec * limit.maxRealtimeFactor + limit.burstMs / 1000) return false;
    const error = `Audio Transmission Rate Exceeded: Received ${audioSec.toFixed(1)} sec. audio in ${elapsedSec.toFixed(1)} sec`;
    this.#fail(conn, 3007, error, 'Audio Transmission Rate Exceeded');
    return true;
  }

  #endTurn(conn: FakeConnection, state: State): void {
    if (state.words.length === 0) return;
    if (state.u3) {
      this.#turn(conn, state, true, true); // formatting is always on, in the end-of-turn message itself
      state.u3.turnEnded();
    } else {
      this.#turn(conn, state, true, false);
      if (state.formatTurns) this.#turn(conn, state, true, true);
    }
    this.account(conn, state.words.at(-1)!.endSample, `turn ${state.turnOrder}`);
    state.turnOrder += 1;
    state.words = [];
  }

  #turn(conn: FakeConnection, state: State, endOfTurn: boolean, formatted: boolean): void {
    const words = state.words.map((w) => ({
      start: Math.round((w.startSample * 1000) / state.rate),
      end: Math.round((w.endSample * 1000) / state.rate),
      text: wordText(w.id),
      confidence: 0.9,
      // U3 Pro marks every word of a partial non-final, and every word of the turn's end final.
      word_is_final: state.u3 ? endOfTurn : true,
    }));
    const plain = words.map((w) => w.text).join(' ');
    const transcript = formatted ? `${plain.charAt(0).toUpperCase()}${plain.slice(1)}.` : plain;
    this.sendMessage(conn, {
      type: 'Turn',
      turn_order: state.turnOrder,
      turn_is_formatted: formatted,
      end_of_turn: endOfTurn,
      transcript,
      end_of_turn_confidence: endOfTurn ? 0.9 : 0.1,
      words,
      ...(state.u3 ? { utterance: endOfTurn ? transcript : '' } : {}),
    });
  }

  /** AssemblyAI's way to end a session on an error: an `Error` frame, then a close with the same code. */
  #fail(conn: FakeConnection, code: number, error: string, reason: string): void {
    this.sendMessage(conn, { type: 'Error', error_code: code, error });
    conn.close(code, reason);
  }

  #fault(conn: FakeConnection, fault: WordFault): void {
    switch (fault) {
      case 'expire':
        this.#fail(conn, 3008, 'Session Expired: Maximum session duration exceeded', 'Session Expired');
        break;
      case 'errorEvent':
        this.#fail(conn, 3005, 'Session Cancelled: an internal error occurred', 'Session Cancelled');
        break;
      case 'fatal':
        this.#fail(conn, 1008, 'Unauthorized Connection: account disabled', 'Unauthorized Connection');
        break;
      case 'dropped':
      case null:
        break;
    }
  }
}
