import type { IncomingMessage } from 'node:http';
import { serverEvent } from '../../src/shared/realtime/server-events.ts';
import { bearer, FakeService, type FakeConnection, type FaultPlan } from './fake-base.ts';
import { closingDeltas, deltaStyle, NO_VAD_MODELS, ProgramEar } from './openai-models.ts';
import { betaSession, gaSession, PREFIX_PADDING_MS, readClientEvent, SILENCE_DURATION_MS } from './openai-session.ts';
import type { SpokenProgram } from './spoken-program.ts';
import { wordText, WordDetector, type DetectorEvent } from './word-audio.ts';

/**
 * A fake OpenAI Realtime transcription server, also standing in
 * for OpenAI-compatible servers (`shape: 'beta'`) and, with `allowRate16k`, for the embedded
 * engine's 16 kHz extension (docs/engine-protocol.md).
 *
 * Events are parsed and built with the shared protocol (src/shared/realtime), whose schemas cite
 * openai/openai-node; what the fake decides (VAD, errors, accounting) follows
 * OpenAI's realtime-transcription and realtime-vad guides (developers.openai.com/api/docs/guides/realtime-transcription, …/realtime-vad)
 * and the Realtime API reference (developers.openai.com/api/reference/resources/realtime).
 *
 * Faithful parts: `?intent=transcription` URL, Bearer auth refused with HTTP 401 and an
 * OpenAI error body, `session.created` on connect, `session.update` validated (type, rate) and
 * answered with `session.updated`, base64 appends, server VAD (speech_started with prefix
 * padding, speech_stopped after 500 ms of silence, committed with previous_item_id), deltas as
 * each model really sends them (openai-models.ts: live per word, after the commit, or one whole
 * delta for whisper-1), `completed`, manual commits (and `input_audio_buffer_commit_empty` under
 * 100 ms), `error` events, `session_expired` then close 1001, fatal errors then close 4000.
 *
 * No-VAD models (`gpt-live-transcribe`, `gpt-realtime-whisper`): developers.openai.com/api/docs/
 * guides/realtime-vad says "turn detection support depends on the transcription model. Models
 * that support VAD default to server_vad, while gpt-live-transcribe and gpt-realtime-whisper
 * require turn detection to be omitted or set to null. Send input_audio_buffer.commit to finish
 * each audio turn"; the realtime-transcription guide's set-up sends `turn_detection: null`. So
 * here an omitted `turn_detection` means none for them, and a `server_vad` set-up is refused.
 * openai-node's types (@025ca83e, `RealtimeTranscriptionSessionTurnDetection`) carry no per-model
 * rule, and the wording of the real refusal is not documented: the message is ours. (Some
 * third-party clients claim server VAD with gpt-realtime-whisper; the official guide wins.)
 *
 * Real speech (`program`): square-wave words are not speech to a client-side VAD, so for the
 * no-VAD models the fake is played a spoken program (spoken-program.ts) and "hears" the words of
 * each committed range from it; `commits` records where each commit fell (program samples).
 *
 * Accounting (see fake-base.ts): an item's audio, with the silence before it, is accounted
 * when its `completed` is sent; a declined commit accounts for what it declined (the fake
 * then discards it, where OpenAI keeps it; at the end of a stream that is the same).
 */
export interface FakeOpenAiOptions {
  readonly apiKey: string;
  /** 'ga' (default): OpenAI today. 'beta': a legacy server (transcription_session.*). */
  readonly shape?: 'ga' | 'beta';
  /** Accept `rate: 16000` (the embedded engine's extension). */
  readonly allowRate16k?: boolean;
  /** `slowEnd` delays the answer to every commit the client asks for (OpenAI's only end of stream). */
  readonly faults?: FaultPlan;
  /** Real speech this fake will be played (manual commits only): its oracle of what was said where. */
  readonly program?: SpokenProgram;
  /** Connection 1 is dropped (FIN, no close frame) once it has received audio past this program sample. */
  readonly dropAtProgramSample?: number;
}

interface Item {
  readonly id: string;
  readonly startSample: number;
  readonly words: { id: number; startSample: number; endSample: number }[];
  /** What the model heard, and how many of those words went out as deltas already. */
  heard: string[];
  sent: number;
}

interface State {
  rate: number;
  vad: boolean;
  detector: WordDetector;
  itemCount: number;
  current: Item | null;
  lastItemId: string | null;
  /** The transcription model the session asked for ('' when none). */
  model: string;
  ear: ProgramEar | null;
}

export class FakeOpenAi extends FakeService {
  readonly options: FakeOpenAiOptions;
  /** Where each commit fell, in program samples (with a `program`). */
  readonly commits: number[] = [];
  readonly #states = new Map<FakeConnection, State>();

  constructor(options: FakeOpenAiOptions) {
    super(options.faults ?? {});
    this.options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/v1/realtime?intent=transcription`;
  }

  protected authorize(request: IncomingMessage): { status: number; body: string } | null {
    if (!request.url?.startsWith('/v1/realtime'))
      return { status: 404, body: JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }) };
    if (bearer(request) !== this.options.apiKey) {
      return {
        status: 401,
        body: JSON.stringify({
          error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
        }),
      };
    }
    return null;
  }

  protected onConnection(conn: FakeConnection): void {
    this.#states.set(conn, {
      rate: 24_000,
      vad: true,
      detector: new WordDetector(24_000),
      itemCount: 0,
      current: null,
      lastItemId: null,
      model: '',
      ear: this.options.program ? new ProgramEar(this.options.program) : null,
    });
    const state = this.#states.get(conn)!;
    conn.send(
      this.options.shape === 'beta'
        ? serverEvent('transcription_session.created', 'event_created', { session: this.#betaSession(conn, state) })
        : serverEvent('session.created', 'event_created', { session: this.#session(conn, state) }),
    );
  }

  protected onMessage(conn: FakeConnection, data: Buffer, isBinary: boolean): void {
    const state = this.#states.get(conn)!;
    const read = readClientEvent(data, isBinary, this.options.shape ?? 'ga');
    if ('refused' in read)
      return this.#error(conn, 'invalid_request_error', read.refused.code, read.refused.message, read.refused.eventId);
    const invalid = (code: string, message: string): void =>
      this.#error(conn, 'invalid_request_error', code, message, read.eventId);
    const event = read.event;
    switch (event.type) {
      case 'session.update': {
        const input = event.session.audio?.input;
        if (event.session.type !== 'transcription')
          return invalid(
            'invalid_value',
            'Passing a transcription session update event to a realtime session is not allowed.',
          );
        const rate = input?.format?.rate ?? 24_000;
        if (rate !== 24_000 && !(rate === 16_000 && this.options.allowRate16k))
          return invalid(
            'invalid_value',
            `Invalid value: ${JSON.stringify(rate)}. Only a 24kHz sample rate is supported.`,
          );
        // No-VAD models require turn detection omitted or null (realtime-vad guide); the wording is ours.
        const model = input?.transcription?.model ?? state.model;
        if (NO_VAD_MODELS.has(model) && input?.turn_detection)
          return invalid(
            'invalid_value',
            `Turn detection is not supported for model '${model}'; omit turn_detection or set it to null and commit each turn.`,
          );
        state.model = model;
        // Omitted turn detection keeps what the session has (server_vad at first), except for the no-VAD models.
        const none = input?.turn_detection === null || NO_VAD_MODELS.has(model);
        return this.#configure(conn, state, rate, !none && (input?.turn_detection !== undefined || state.vad));
      }
      case 'transcription_session.update':
        if (event.session.input_audio_format !== undefined && event.session.input_audio_format !== 'pcm16')
          return invalid('invalid_value', 'Only pcm16 is supported.');
        state.model = event.session.input_audio_transcription?.model ?? state.model;
        return this.#configure(conn, state, state.rate, event.session.turn_detection !== null);
      case 'input_audio_buffer.append':
        return this.#append(conn, state, event.audio);
      case 'input_audio_buffer.commit':
        // A commit is how a client ends its stream here, so the `slowEnd` fault delays its answer.
        return this.answerEnd(conn, () => this.#commit(conn, state));
      case 'input_audio_buffer.clear':
        state.current = null;
        this.account(conn, conn.audio.length, 'cleared');
        return conn.send(serverEvent('input_audio_buffer.cleared', 'event_cleared', {}));
    }
  }

  #configure(conn: FakeConnection, state: State, rate: number, vad: boolean): void {
    state.rate = rate;
    state.vad = vad;
    state.detector = new WordDetector(state.rate);
    const beta = this.options.shape === 'beta';
    conn.send(
      serverEvent(beta ? 'transcription_session.updated' : 'session.updated', 'event_updated', {
        session: beta ? this.#betaSession(conn, state) : this.#session(conn, state),
      }),
    );
  }

  #session(conn: FakeConnection, state: State): ReturnType<typeof gaSession> {
    return gaSession({ index: conn.index, rate: state.rate, vad: state.vad, model: state.model });
  }

  #betaSession(conn: FakeConnection, state: State): ReturnType<typeof betaSession> {
    return betaSession({ index: conn.index, rate: state.rate, vad: state.vad, model: state.model });
  }

  #append(conn: FakeConnection, state: State, audio: string): void {
    const bytes = Buffer.from(audio, 'base64');
    if (bytes.length % 2 !== 0)
      return this.#error(conn, 'invalid_request_error', 'invalid_value', 'Audio must be 16-bit PCM: odd byte count.');
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    conn.audio.append(samples);
    if (state.ear) return this.#onSpeech(conn, state);
    this.#onDetector(conn, state, state.detector.push(samples));
  }

  /** Real speech: a live model says each word once it is finished; nothing else happens before a commit. */
  #onSpeech(conn: FakeConnection, state: State): void {
    const ear = state.ear!;
    ear.place(conn.audio.slice(0, 64));
    if (deltaStyle(state.model) === 'live') {
      const words = ear.finished(conn.accounted, conn.audio.length);
      if (words.length > (state.current?.sent ?? 0)) {
        state.current ??= { id: this.#nextItemId(state), startSample: conn.accounted, words: [], heard: [], sent: 0 };
        const item = state.current;
        for (const word of words.slice(item.sent)) this.#delta(conn, item, `${item.sent > 0 ? ' ' : ''}${word}`);
        item.sent = words.length;
      }
    }
    const drop = this.options.dropAtProgramSample;
    const at = ear.at(conn.audio.length);
    if (drop !== undefined && conn.index === 1 && at !== null && at > drop) conn.drop();
  }

  #delta(conn: FakeConnection, item: Item, delta: string): void {
    conn.send(
      serverEvent('conversation.item.input_audio_transcription.delta', 'event_d', {
        item_id: item.id,
        content_index: 0,
        delta,
      }),
    );
  }

  #onDetector(conn: FakeConnection, state: State, events: DetectorEvent[]): void {
    for (const event of events) {
      if (conn.closed || conn.silent) return;
      switch (event.kind) {
        case 'word-start':
          if (!state.current) {
            const prefix = Math.round((PREFIX_PADDING_MS * state.rate) / 1000);
            state.current = {
              id: this.#nextItemId(state),
              startSample: Math.max(conn.accounted, event.startSample - prefix),
              words: [],
              heard: [],
              sent: 0,
            };
            if (state.vad)
              conn.send(
                serverEvent('input_audio_buffer.speech_started', 'event_ss', {
                  item_id: state.current.id,
                  audio_start_ms: this.#ms(state, state.current.startSample),
                }),
              );
          }
          break;
        case 'word': {
          const item = state.current;
          if (!item) break;
          item.words.push({ id: event.id, startSample: event.startSample, endSample: event.endSample });
          item.heard.push(wordText(event.id));
          // Only natively streaming models speak before the commit (openai-models.ts).
          if (deltaStyle(state.model) === 'live') {
            this.#delta(conn, item, `${item.sent > 0 ? ' ' : ''}${wordText(event.id)}`);
            item.sent += 1;
          }
          this.#fault(conn, this.afterWord(conn));
          break;
        }
        case 'silence':
          if (
            state.vad &&
            state.current &&
            event.run === (SILENCE_DURATION_MS * state.rate) / 1000 / state.detector.windowSamples
          ) {
            const item = state.current;
            const end = item.words.at(-1)?.endSample ?? event.endSample;
            conn.send(
              serverEvent('input_audio_buffer.speech_stopped', 'event_st', {
                item_id: item.id,
                audio_end_ms: this.#ms(state, end),
              }),
            );
            this.#complete(conn, state, item, end);
          }
          break;
      }
    }
  }

  #commit(conn: FakeConnection, state: State): void {
    if (conn.audio.length - conn.accounted < (state.rate / 1000) * 100) {
      this.account(conn, conn.audio.length, 'declined commit (<100 ms)');
      state.current = null;
      return this.#error(
        conn,
        'invalid_request_error',
        'input_audio_buffer_commit_empty',
        'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio.',
      );
    }
    if (state.ear) {
      const at = state.ear.at(conn.audio.length);
      if (at !== null) this.commits.push(at);
    } else this.#onDetector(conn, state, state.detector.flush());
    const item = state.current ?? {
      id: this.#nextItemId(state),
      startSample: conn.accounted,
      words: [],
      heard: [],
      sent: 0,
    };
    this.#complete(conn, state, item, conn.audio.length);
  }

  #complete(conn: FakeConnection, state: State, item: Item, endSample: number): void {
    if (conn.closed || conn.silent) return;
    conn.send(
      serverEvent('input_audio_buffer.committed', 'event_c', { item_id: item.id, previous_item_id: state.lastItemId }),
    );
    state.lastItemId = item.id;
    state.current = null;
    if (state.ear) item.heard = state.ear.heard(item.startSample, endSample);
    for (const delta of closingDeltas(deltaStyle(state.model), item.heard, item.sent)) this.#delta(conn, item, delta);
    const transcript = item.heard.join(' ');
    conn.send(
      serverEvent('conversation.item.input_audio_transcription.completed', 'event_done', {
        item_id: item.id,
        content_index: 0,
        transcript,
        usage: { type: 'duration', seconds: (endSample - item.startSample) / state.rate },
      }),
    );
    this.account(conn, endSample, `item ${item.id}`);
  }

  #fault(conn: FakeConnection, fault: ReturnType<FakeService['afterWord']>): void {
    switch (fault) {
      case 'expire':
        this.#error(
          conn,
          'invalid_request_error',
          'session_expired',
          'Your session hit the maximum duration of 60 minutes.',
        );
        conn.close(1001, 'session expired');
        break;
      case 'errorEvent':
        this.#error(conn, 'server_error', 'server_error', 'The server had an error while processing your request.');
        break;
      case 'fatal':
        this.#error(
          conn,
          'invalid_request_error',
          'invalid_model',
          'Model "nope" is not supported in transcription mode.',
        );
        conn.close(4000, 'invalid_request_error.invalid_model');
        break;
      case 'dropped':
      case null:
        break;
    }
  }

  #nextItemId(state: State): string {
    state.itemCount += 1;
    return `item_${String(state.itemCount).padStart(3, '0')}`; // restarts per connection, like a fresh server
  }

  #ms(state: State, samples: number): number {
    return Math.round((samples * 1000) / state.rate);
  }

  #error(conn: FakeConnection, type: string, code: string, message: string, eventId: string | null = null): void {
    conn.send(serverEvent('error', 'event_err', { error: { type, code, message, param: null, event_id: eventId } }));
  }
}
