import type { IncomingMessage } from 'node:http';
import type { SpeachesServerEvent } from '../../src/core/providers/speaches-messages.ts';
import { speachesServerEventSchema } from '../../src/core/providers/speaches-messages.ts';
import { bearer, FakeService, requestUrl, type FakeConnection, type FaultPlan, type Refusal } from './fake-base.ts';
import { MIN_COMMIT_MS, SpeachesBuffers, type SpeachesBuffer } from './speaches-buffers.ts';

/**
 * A fake Speaches realtime server (`/v1/realtime`, transcription intent).
 *
 * Derived from speaches-ai/speaches @ 870e1e16a73452496e99d49f759eabd692a8e0e0 (2026-03-26):
 * - src/speaches/routers/realtime_ws.py: `model` is a required query parameter (FastAPI closes the
 *   socket before accepting it: HTTP 403 at the handshake, as for a wrong key, utils.py
 *   `verify_websocket_api_key`); `session.created` first; the session ends after 30 min
 *   (`asyncio.timeout`) with no event, the socket just goes;
 * - src/speaches/realtime/input_audio_buffer_event_router.py: appends are read as 24 kHz and
 *   never answered; VAD after each append (see speaches-buffers.ts); `speech_stopped` is followed
 *   by `committed` for the same item; a commit under 100 ms gets an `error` whose `code` is null;
 *   a commit while speech is in progress makes the transcriber's assertion fail, which ends the
 *   whole session without a close frame (1006) and loses every transcription in flight;
 * - src/speaches/realtime/input_audio_buffer.py: one transcription per committed item, sent as
 *   `conversation.item.input_audio_transcription.completed` (no deltas: no partials);
 * - src/speaches/realtime/session_event_router.py and types/realtime.py: `session.update` is read
 *   as the beta `PartialSession` (GA fields silently ignored); a `turn_detection` without every
 *   field fails validation (error, nothing applied); `prefix_padding_ms` is refused by name.
 *
 * Not from the source: transcription is instant (words read back from word-audio.ts), and the
 * accounting below.
 *
 * Accounting (Speaches acknowledges no audio, so this is what its events let a client conclude,
 * the same rule as src/core/providers/speaches-timeline.ts): a completed item accounts for its
 * buffer; with an item waiting, audio before its speech (less 500 ms) is done; an answered
 * `session.update` with no speech open accounts for all but the last 3 s (the VAD window).
 */
export interface FakeSpeachesOptions {
  /** When set, the key the server checks (`Authorization: Bearer`). */
  readonly apiKey?: string;
  readonly faults?: FaultPlan;
  /** The session limit (real Speaches: 30 min). */
  readonly sessionLimitMs?: number;
}

const RATE = 24_000;
const PREROLL_MS = 500;
const VAD_WINDOW_MS = 3_000;

interface State {
  buffers: SpeachesBuffers;
  probeBound: number;
  limit: NodeJS.Timeout;
}

export class FakeSpeaches extends FakeService {
  readonly options: FakeSpeachesOptions;
  /** Connections a mid-speech commit killed. */
  readonly killedByCommit: FakeConnection[] = [];
  readonly #states = new Map<FakeConnection, State>();
  #events = 0;

  constructor(options: FakeSpeachesOptions = {}) {
    super(options.faults ?? {});
    this.options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Every item's buffer on a connection (times, words), for tests. */
  buffersOf(conn: FakeConnection): readonly SpeachesBuffer[] {
    return this.#states.get(conn)?.buffers.items ?? [];
  }

  protected authorize(request: IncomingMessage): Refusal | null {
    const url = requestUrl(request);
    if (url.pathname !== '/v1/realtime') return { status: 404, body: '{"detail":"Not Found"}' };
    // A refused WebSocket before accept: uvicorn answers 403 with no body.
    if (!url.searchParams.get('model')) return { status: 403, body: '' };
    if (this.options.apiKey && bearer(request) !== this.options.apiKey) return { status: 403, body: '' };
    return null;
  }

  protected onConnection(conn: FakeConnection): void {
    const limit = setTimeout(() => conn.drop(), this.options.sessionLimitMs ?? 30 * 60_000);
    limit.unref();
    conn.ws.on('close', () => clearTimeout(limit));
    this.#states.set(conn, { buffers: new SpeachesBuffers(RATE, `c${conn.index}_`), probeBound: 0, limit });
    this.#send(conn, { type: 'session.created', event_id: this.#id(), session: { id: `sess_${conn.index}` } });
  }

  protected onMessage(conn: FakeConnection, data: Buffer, isBinary: boolean): void {
    const state = this.#states.get(conn)!;
    let msg: { type?: unknown; audio?: unknown; session?: Record<string, unknown> };
    try {
      msg = JSON.parse(data.toString('utf8')) as typeof msg;
    } catch (error) {
      this.#error(conn, `Invalid JSON: ${(error as Error).message}`, null);
      return;
    }
    if (isBinary) return;
    switch (msg.type) {
      case 'input_audio_buffer.append':
        return this.#append(conn, state, Buffer.from(String(msg.audio), 'base64'));
      case 'input_audio_buffer.commit':
        return this.#commit(conn, state);
      case 'session.update':
        return this.#sessionUpdate(conn, state, msg.session ?? {});
      default:
        return;
    }
  }

  #append(conn: FakeConnection, state: State, bytes: Buffer): void {
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    conn.audio.append(samples);
    const { events, words } = state.buffers.append(samples);
    for (const e of events) {
      const item_id = e.buffer.id;
      if (e.kind === 'started') {
        this.#send(conn, {
          type: 'input_audio_buffer.speech_started',
          event_id: this.#id(),
          item_id,
          audio_start_ms: e.audioStartMs,
        });
      } else {
        this.#send(conn, {
          type: 'input_audio_buffer.speech_stopped',
          event_id: this.#id(),
          item_id,
          audio_end_ms: e.audioEndMs,
        });
        this.#transcribe(conn, state, e.buffer);
      }
    }
    this.#account(conn, state);
    for (let i = 0; i < words; i++) if (this.afterWord(conn) === 'dropped') return;
  }

  #commit(conn: FakeConnection, state: State): void {
    const open = state.buffers.open;
    const ms = state.buffers.ms(state.buffers.length - open.start);
    if (ms < MIN_COMMIT_MS) {
      const message = `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${ms}.00ms of audio.`;
      this.#error(conn, message, null);
      return;
    }
    if (state.buffers.inSpeech) {
      // `data_w_vad_applied` asserts audio_end_ms: the TaskGroup fails and takes the socket with it.
      this.killedByCommit.push(conn);
      conn.drop();
      return;
    }
    this.#transcribe(conn, state, state.buffers.commitOpen());
  }

  #sessionUpdate(conn: FakeConnection, state: State, session: Record<string, unknown>): void {
    const turn = session['turn_detection'];
    if (turn !== undefined) {
      const t = (turn ?? {}) as Record<string, unknown>;
      const missing = ['create_response', 'prefix_padding_ms', 'silence_duration_ms', 'threshold'].filter(
        (k) => !(k in t),
      );
      if (turn === null || missing.length > 0) {
        this.#error(
          conn,
          `1 validation error for ClientEvent\nsession.turn_detection: missing ${missing.join(', ')}`,
          null,
        );
        return;
      }
      this.#error(conn, 'Specifying `session.turn_detection.prefix_padding_ms` is not supported.', null);
    }
    // Processed in order after every earlier append: nothing before P − 3 s can become speech.
    if (!state.buffers.inSpeech) {
      const windowSamples = (VAD_WINDOW_MS * RATE) / 1000;
      state.probeBound = Math.max(state.probeBound, state.buffers.length - windowSamples);
    }
    this.#send(conn, { type: 'session.updated', event_id: this.#id(), session: { id: `sess_${conn.index}` } });
    this.#account(conn, state);
  }

  #transcribe(conn: FakeConnection, state: State, buffer: SpeachesBuffer): void {
    const previous = state.buffers.items[state.buffers.items.indexOf(buffer) - 1];
    this.#send(conn, {
      type: 'input_audio_buffer.committed',
      event_id: this.#id(),
      item_id: buffer.id,
      previous_item_id: previous?.id ?? null,
    });
    this.#send(conn, { type: 'conversation.item.created', event_id: this.#id(), item: { id: buffer.id } });
    buffer.done = true;
    this.#send(conn, {
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: this.#id(),
      item_id: buffer.id,
      content_index: 0,
      transcript: buffer.words.join(' '),
    });
    this.#account(conn, state);
  }

  #account(conn: FakeConnection, state: State): void {
    let earliest: number | null = null;
    for (const b of state.buffers.items) {
      if (b.done || b.speechStart === null) continue;
      earliest = earliest === null ? b.speechStart : Math.min(earliest, b.speechStart);
    }
    const until =
      earliest !== null ? earliest - (PREROLL_MS * RATE) / 1000 : Math.max(state.buffers.open.start, state.probeBound);
    this.account(conn, until, earliest !== null ? 'before speech' : 'items done');
  }

  #error(conn: FakeConnection, message: string, code: string | null): void {
    this.#send(conn, {
      type: 'error',
      event_id: this.#id(),
      error: { type: 'invalid_request_error', message, code, param: null, event_id: null },
    });
  }

  #send(conn: FakeConnection, event: SpeachesServerEvent): void {
    speachesServerEventSchema.parse(event);
    conn.send(event);
  }

  #id(): string {
    return `event_${String(++this.#events).padStart(21, '0')}`;
  }
}
