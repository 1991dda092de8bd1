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
 * errors as an `Error` JSON frame followed by its close code (3005, 3008 session expired).
 *
 * Accounting: a final (formatted) turn accounts up to its last word's end; `Termination`
 * accounts for everything received.
 */
export interface FakeAssemblyAiOptions {
  readonly apiKey: string;
  readonly faults?: FaultPlan;
}

interface State {
  rate: number;
  formatTurns: boolean;
  detector: WordDetector;
  turnOrder: number;
  words: { id: number; startSample: number; endSample: number }[];
  started: number;
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
        this.#onDetector(conn, state, state.detector.flush());
        this.#endTurn(conn, state);
        conn.send({
          type: 'Termination',
          audio_duration_seconds: Math.round(conn.audio.length / state.rate),
          session_duration_seconds: Math.round((Date.now() - state.started) / 1000),
        });
        this.account(conn, conn.audio.length, 'Termination');
        conn.close(1000, '');
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
        (event.run * state.detector.windowSamples * 1000) / state.rate === END_OF_TURN_SILENCE_MS
      ) {
        this.#endTurn(conn, state);
      }
    }
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
