import type { IncomingMessage } from 'node:http';
import {
  deepgramClientMessageSchema,
  deepgramServerMessages,
  type DeepgramClientMessage,
  type DeepgramServerMessage,
} from '../../src/core/providers/deepgram-messages.ts';
import { UrlConfiguredFake, type FakeConnection, type FaultPlan, type Refusal, type WordFault } from './fake-base.ts';
import { wordText, WordDetector, type DetectorEvent } from './word-audio.ts';

/**
 * A fake Deepgram live-streaming server (`/v1/listen`, Nova models).
 *
 * Follows (message shapes: src/core/providers/deepgram-messages.ts, which the fake builds and
 * reads with, so they are written once):
 * - https://developers.deepgram.com/reference/speech-to-text/listen-streaming (query parameters,
 *   `Authorization: Token <key>`, the server messages)
 * - https://developers.deepgram.com/docs/interim-results, /docs/endpointing,
 *   /docs/understand-endpointing-interim-results (interim `Results` replacing each other, finals
 *   that tile the audio, several per long utterance, `speech_final` at the endpoint)
 * - /docs/speech-started, /docs/utterance-end (`SpeechStarted`, `UtteranceEnd` with `last_word_end`)
 * - /docs/finalize (`from_finalize`), /docs/close-stream (last finals, `Metadata`, close 1000),
 *   /docs/audio-keep-alive (`KeepAlive`; close 1011 `NET-0001` after 10 s without audio)
 * - /docs/stt-troubleshooting-websocket-data-and-net-errors (a refused upgrade carries a
 *   `dg-error` header; runtime errors are a close frame whose reason is the code: 1002
 *   `DATA-0000` audio that cannot be decoded, 1011 `NET-0000`, 1011 `NET-0001`)
 * - deepgram/deepgram-js-sdk, src/lib/types/LiveTranscriptionEvent.ts (the Results fields)
 *
 * - deepgram/deepgram-js-sdk @ 108a127a, src/api/resources/listen/resources/v1/types/
 *   ListenV1Error.ts (generated from Deepgram's API definition): a text message the server cannot
 *   parse gets a JSON `{"type":"Error","variant":"SchemaError","description",…,"message":<it>}`
 *   (also typed as `DeepgramError {type, err_code, err_msg, description, variant}` in
 *   deepgram/deepgram-go-sdk, pkg/client/interfaces/v1/utils.go)
 *
 * Not from the docs: the exact statuses of refused upgrades (401 for a bad key, 400 when raw
 * audio comes without `encoding`/`sample_rate`), the socket staying open after a `SchemaError`,
 * its description text, empty finals over silence every 2 s, three words per final.
 *
 * Accounting: each final accounts for its `[start, start + duration)`.
 */
export interface FakeDeepgramOptions {
  readonly apiKey: string;
  readonly faults?: FaultPlan;
  /** Close with NET-0001 after this long without audio or KeepAlive. Default 10 s. */
  readonly idleTimeoutMs?: number;
}

interface State {
  rate: number;
  detector: WordDetector;
  /** Start (samples) of the range the next final will cover. */
  finalFrom: number;
  words: { id: number; startSample: number; endSample: number }[];
  idle: NodeJS.Timeout | null;
  speaking: boolean;
}

const ENDPOINT_MS = 300;
const UTTERANCE_END_MS = 1000;
/** Over silence Deepgram still sends (empty) finals now and then. */
const SILENCE_FINAL_MS = 2000;
/** A long utterance is finalised in pieces of this many words. */
const WORDS_PER_FINAL = 3;

export class FakeDeepgram extends UrlConfiguredFake<
  FakeDeepgramOptions,
  State,
  DeepgramServerMessage,
  DeepgramClientMessage
> {
  constructor(options: FakeDeepgramOptions) {
    super(
      {
        path: '/v1/listen',
        notFoundBody: '{"err_code":"NOT_FOUND"}',
        server: deepgramServerMessages.schema,
        client: deepgramClientMessageSchema,
      },
      options,
    );
  }

  protected checkRequest(url: URL, request: IncomingMessage): Refusal | null {
    if (request.headers.authorization !== `Token ${this.options.apiKey}`) {
      return {
        status: 401,
        headers: { 'dg-error': 'Invalid credentials.' },
        body: JSON.stringify({ err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.' }),
      };
    }
    if (url.searchParams.get('encoding') !== 'linear16' || !url.searchParams.get('sample_rate')) {
      return {
        status: 400,
        headers: { 'dg-error': 'Raw audio needs encoding and sample_rate.' },
        body: '{"err_code":"Bad Request"}',
      };
    }
    return null;
  }

  protected onConnection(conn: FakeConnection): void {
    const rate = Number(this.queryOf(conn).get('sample_rate'));
    const state: State = {
      rate,
      detector: new WordDetector(rate),
      finalFrom: 0,
      words: [],
      idle: null,
      speaking: false,
    };
    this.states.set(conn, state);
    this.#touch(conn, state);
    conn.ws.on('close', () => {
      if (state.idle) clearTimeout(state.idle);
    });
  }

  protected onMessage(conn: FakeConnection, data: Buffer, isBinary: boolean): void {
    const state = this.states.get(conn)!;
    this.#touch(conn, state);
    if (isBinary) {
      if (data.length % 2 !== 0) return conn.close(1002, 'DATA-0000');
      const samples = new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
      conn.audio.append(samples);
      this.#onDetector(conn, state, state.detector.push(samples));
      return;
    }
    const read = this.readClientText(data);
    // Text Deepgram cannot parse: a JSON `Error` (SchemaError echoing it); the socket stays open.
    if (read.kind !== 'message') {
      this.sendMessage(conn, {
        type: 'Error',
        variant: 'SchemaError',
        description: 'Unable to parse the client message.',
        message: data.toString('utf8').slice(0, 200),
      });
      return;
    }
    switch (read.message.type) {
      case 'KeepAlive':
        return;
      case 'Finalize':
        this.#onDetector(conn, state, state.detector.flush());
        this.#final(conn, state, conn.audio.length, { fromFinalize: true, speechFinal: true });
        return;
      case 'CloseStream':
        if (this.dropsOnEnd(conn)) return;
        this.answerEnd(conn, () => {
          this.#onDetector(conn, state, state.detector.flush());
          this.#final(conn, state, conn.audio.length, { fromFinalize: false, speechFinal: true });
          this.sendMessage(conn, {
            type: 'Metadata',
            transaction_key: 'deprecated',
            request_id: `req-${conn.index}`,
            sha256: '0',
            created: new Date().toISOString(),
            duration: conn.audio.length / state.rate,
            channels: 1,
          });
          this.account(conn, conn.audio.length, 'CloseStream');
          conn.close(1000, '');
        });
        return;
    }
  }

  #onDetector(conn: FakeConnection, state: State, events: DetectorEvent[]): void {
    const perMs = state.rate / 1000;
    for (const event of events) {
      if (conn.closed || conn.silent) return;
      switch (event.kind) {
        case 'word-start':
          if (!state.speaking)
            this.sendMessage(conn, {
              type: 'SpeechStarted',
              channel: [0, 1],
              timestamp: event.startSample / state.rate,
            });
          state.speaking = true;
          break;
        case 'word': {
          state.words.push({ id: event.id, startSample: event.startSample, endSample: event.endSample });
          if (state.words.length >= WORDS_PER_FINAL) {
            this.#final(conn, state, event.endSample, { fromFinalize: false, speechFinal: false });
          } else {
            this.#results(conn, state, state.finalFrom, event.endSample, false, false, false);
          }
          this.#fault(conn, this.afterWord(conn));
          break;
        }
        case 'silence': {
          const silentMs = (event.run * state.detector.windowSamples) / perMs;
          if (state.speaking && silentMs === ENDPOINT_MS)
            this.#final(conn, state, event.endSample, { fromFinalize: false, speechFinal: true });
          if (state.speaking && silentMs === UTTERANCE_END_MS) {
            state.speaking = false;
            this.sendMessage(conn, {
              type: 'UtteranceEnd',
              channel: [0, 1],
              last_word_end: (event.endSample - UTTERANCE_END_MS * perMs) / state.rate,
            });
          }
          if (!state.speaking && event.endSample - state.finalFrom >= SILENCE_FINAL_MS * perMs)
            this.#final(conn, state, event.endSample, { fromFinalize: false, speechFinal: false });
          break;
        }
      }
    }
  }

  #final(
    conn: FakeConnection,
    state: State,
    end: number,
    flags: { fromFinalize: boolean; speechFinal: boolean },
  ): void {
    if (end <= state.finalFrom) return;
    this.#results(conn, state, state.finalFrom, end, true, flags.speechFinal, flags.fromFinalize);
    this.account(conn, end, flags.speechFinal ? 'speech_final' : 'is_final');
    state.finalFrom = end;
    state.words = [];
  }

  #results(
    conn: FakeConnection,
    state: State,
    from: number,
    to: number,
    isFinal: boolean,
    speechFinal: boolean,
    fromFinalize: boolean,
  ): void {
    const words = state.words.map((w) => ({
      word: wordText(w.id),
      start: w.startSample / state.rate,
      end: w.endSample / state.rate,
      confidence: 0.99,
      punctuated_word: wordText(w.id),
    }));
    this.sendMessage(conn, {
      type: 'Results',
      channel_index: [0, 1],
      start: from / state.rate,
      duration: (to - from) / state.rate,
      is_final: isFinal,
      speech_final: speechFinal,
      from_finalize: fromFinalize,
      channel: { alternatives: [{ transcript: words.map((w) => w.word).join(' '), confidence: 0.99, words }] },
      metadata: {
        request_id: `req-${conn.index}`,
        model_info: { name: 'fake-nova-3', version: '1', arch: 'nova-3' },
        model_uuid: 'fake',
      },
    });
  }

  #fault(conn: FakeConnection, fault: WordFault): void {
    switch (fault) {
      case 'errorEvent':
      case 'expire':
        // Deepgram reports runtime failures as a close frame whose reason is the error code.
        conn.close(1011, 'NET-0000');
        break;
      case 'fatal':
        conn.close(1002, 'DATA-0000');
        break;
      case 'dropped':
      case null:
        break;
    }
  }

  #touch(conn: FakeConnection, state: State): void {
    if (state.idle) clearTimeout(state.idle);
    state.idle = setTimeout(() => conn.close(1011, 'NET-0001'), this.options.idleTimeoutMs ?? 10_000);
    state.idle.unref();
  }
}
