import type { IncomingMessage } from 'node:http';
import { FakeService, type FakeConnection, type FaultPlan } from './fake-base.ts';
import { wordText, WordDetector, type DetectorEvent } from './word-audio.ts';

/**
 * A fake AssemblyAI Universal Streaming v3 server (research/providers.md §3).
 *
 * Faithful parts: `/v3/ws?sample_rate=…&encoding=pcm_s16le&format_turns=true`, the raw key in
 * `Authorization` (a wrong key: `Error` then close 1008), `Begin` with `expires_at`, binary
 * PCM where every message must hold 50–1000 ms (else `Error` + close 3007), `Turn` messages
 * (growing `transcript`, words in ms with `word_is_final`), `end_of_turn`, then the formatted
 * repeat of the turn, `ForceEndpoint`, `Terminate` → last turn, `Termination`, close 1000;
 * errors as an `Error` JSON frame followed by its close code (3005, 3008 session expired);
 * optionally the transmission-rate rule (`rateLimit`, below); `max_turn_silence` from the URL.
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
  /** Silence that ends a turn: the URL's `max_turn_silence`, else 400 ms. */
  endOfTurnSilenceMs: number;
}

const END_OF_TURN_SILENCE_MS = 400;

export class FakeAssemblyAi extends FakeService {
  readonly options: FakeAssemblyAiOptions;
  readonly #states = new Map<FakeConnection, State>();

  constructor(options: FakeAssemblyAiOptions) {
    super(options.faults ?? {});
    this.options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/v3/ws`;
  }

  protected authorize(request: IncomingMessage): { status: number; body: string } | null {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname !== '/v3/ws') return { status: 404, body: '{"error":"Not found"}' };
    if (!url.searchParams.get('sample_rate')) return { status: 400, body: '{"error":"sample_rate is required"}' };
    return null; // AssemblyAI reports a bad key after the upgrade, with close 1008.
  }

  protected onConnection(conn: FakeConnection): void {
    const url = new URL(conn.request.url ?? '/', 'http://x');
    if (conn.request.headers.authorization !== this.options.apiKey) {
      conn.send({ type: 'Error', error_code: 1008, error: 'Unauthorized Connection: Invalid API key' });
      conn.close(1008, 'Unauthorized Connection');
      return;
    }
    const rate = Number(url.searchParams.get('sample_rate'));
    this.#states.set(conn, {
      rate,
      formatTurns: url.searchParams.get('format_turns') === 'true',
      detector: new WordDetector(rate),
      turnOrder: 0,
      words: [],
      started: Date.now(),
      openedAt: performance.now(),
      endOfTurnSilenceMs: Number(url.searchParams.get('max_turn_silence') ?? END_OF_TURN_SILENCE_MS),
    });
    conn.send({
      type: 'Begin',
      id: `fake-session-${conn.index}`,
      expires_at: Math.floor(Date.now() / 1000) + 3 * 3600,
    });
  }

  protected onMessage(conn: FakeConnection, data: Buffer, isBinary: boolean): void {
    const state = this.#states.get(conn);
    if (!state) return;
    if (isBinary) {
      const ms = (data.length / 2 / state.rate) * 1000;
      if (data.length % 2 !== 0 || ms < 50 || ms > 1000) {
        conn.send({
          type: 'Error',
          error_code: 3007,
          error: `Input duration violation: ${ms.toFixed(0)} ms. Expected between 50 and 1000 ms.`,
        });
        conn.close(3007, 'Input duration violation');
        return;
      }
      const samples = new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
      if (this.#tooFast(conn, state, samples.length)) return;
      conn.audio.append(samples);
      this.#onDetector(conn, state, state.detector.push(samples));
      return;
    }
    let m: { type?: unknown };
    try {
      m = JSON.parse(data.toString('utf8')) as { type?: unknown };
    } catch {
      conn.send({ type: 'Error', error_code: 3006, error: 'Invalid JSON' });
      conn.close(3006, 'Invalid Message');
      return;
    }
    switch (m.type) {
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
          conn.send({
            type: 'Termination',
            audio_duration_seconds: Math.round(conn.audio.length / state.rate),
            session_duration_seconds: Math.round((Date.now() - state.started) / 1000),
          });
          this.account(conn, conn.audio.length, 'Termination');
          conn.close(1000, '');
        });
        return;
      default:
        conn.send({ type: 'Error', error_code: 3006, error: `Invalid Message Type: ${String(m.type)}` });
        conn.close(3006, 'Invalid Message Type');
    }
  }

  #onDetector(conn: FakeConnection, state: State, events: DetectorEvent[]): void {
    for (const event of events) {
      if (conn.closed || conn.silent) return;
      if (event.kind === 'word') {
        state.words.push({ id: event.id, startSample: event.startSample, endSample: event.endSample });
        this.#turn(conn, state, false, false);
        this.#fault(conn, this.afterWord(conn));
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
    conn.send({
      type: 'Error',
      error_code: 3007,
      error: `Audio Transmission Rate Exceeded: Received ${audioSec.toFixed(1)} sec. audio in ${elapsedSec.toFixed(1)} sec`,
    });
    conn.close(3007, 'Audio Transmission Rate Exceeded');
    return true;
  }

  #endTurn(conn: FakeConnection, state: State): void {
    if (state.words.length === 0) return;
    this.#turn(conn, state, true, false);
    if (state.formatTurns) this.#turn(conn, state, true, true);
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
      word_is_final: true,
    }));
    const plain = words.map((w) => w.text).join(' ');
    const transcript = formatted ? `${plain.charAt(0).toUpperCase()}${plain.slice(1)}.` : plain;
    conn.send({
      type: 'Turn',
      turn_order: state.turnOrder,
      turn_is_formatted: formatted,
      end_of_turn: endOfTurn,
      transcript,
      end_of_turn_confidence: endOfTurn ? 0.9 : 0.1,
      words,
    });
  }

  #fault(conn: FakeConnection, fault: ReturnType<FakeService['afterWord']>): void {
    switch (fault) {
      case 'expire':
        conn.send({ type: 'Error', error_code: 3008, error: 'Session Expired: Maximum session duration exceeded' });
        conn.close(3008, 'Session Expired');
        break;
      case 'errorEvent':
        conn.send({ type: 'Error', error_code: 3005, error: 'Session Cancelled: an internal error occurred' });
        conn.close(3005, 'Session Cancelled');
        break;
      case 'fatal':
        conn.send({ type: 'Error', error_code: 1008, error: 'Unauthorized Connection: account disabled' });
        conn.close(1008, 'Unauthorized Connection');
        break;
      case 'dropped':
      case null:
        break;
    }
  }
}
