import type { IncomingMessage } from 'node:http';
import { rivaServerEventSchema, type RivaServerEvent, type RivaWord } from '../../src/core/providers/riva-messages.ts';
import { bearer, FakeService, requestUrl, type FakeConnection, type FaultPlan, type Refusal } from './fake-base.ts';
import { wordText, WordDetector } from './word-audio.ts';

/**
 * A fake NVIDIA Riva ASR NIM realtime server (`/v1/realtime?intent=transcription`, port 9000).
 *
 * Sources:
 * - https://docs.nvidia.com/nim/riva/asr/latest/realtime-asr.html (the transcription session
 *   object and its defaults: `input_audio_format` pcm16, `input_audio_params.sample_rate_hz`
 *   16000, `recognition_config.enable_word_time_offsets`);
 * - nvidia-riva/python-clients @ 7f611ba6f74f6aad9450356ef02e4718393c049b (2026-05-06),
 *   riva/client/realtime.py: the first event is `conversation.created` (not `session.created`);
 *   `transcription_session.update` is answered by `transcription_session.updated`; audio is
 *   `input_audio_buffer.append` then `input_audio_buffer.commit` for every chunk;
 *   `input_audio_buffer.done` ends the stream; `…transcription.delta` carries `delta`;
 *   `…transcription.completed` carries `transcript`, `is_last_result` and
 *   `words_info.words[{word, start_time, end_time, confidence, speaker_tag}]` (ms); errors carry
 *   `error.message`.
 *
 * Not from the sources (not documented where I could read it): that a delta is the whole current
 * hypothesis of the utterance (Riva's streaming results are), the 800 ms end of utterance, word
 * times counted from the start of the stream, and a last result with an empty transcript when
 * nothing is left to finalise.
 *
 * Accounting: a final accounts for the audio up to its last word's end; the last result for all.
 */
export interface FakeRivaOptions {
  readonly apiKey?: string;
  readonly faults?: FaultPlan;
}

const DEFAULT_RATE = 16_000;
const END_OF_UTTERANCE_MS = 800;

interface State {
  rate: number;
  detector: WordDetector | null;
  pending: Int16Array[];
  words: RivaWord[];
  lastWordEnd: number;
}

export class FakeRiva extends FakeService {
  readonly options: FakeRivaOptions;
  /** The sample rate each connection's session asked for. */
  readonly rates: number[] = [];
  readonly #states = new Map<FakeConnection, State>();

  constructor(options: FakeRivaOptions = {}) {
    super(options.faults ?? {});
    this.options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  protected authorize(request: IncomingMessage): Refusal | null {
    if (requestUrl(request).pathname !== '/v1/realtime') return { status: 404, body: '{"detail":"Not Found"}' };
    if (this.options.apiKey && bearer(request) !== this.options.apiKey) return { status: 401, body: '' };
    return null;
  }

  protected onConnection(conn: FakeConnection): void {
    this.#states.set(conn, { rate: DEFAULT_RATE, detector: null, pending: [], words: [], lastWordEnd: 0 });
    this.#send(conn, { type: 'conversation.created', conversation: { id: `conv_${conn.index}` } });
  }

  protected onMessage(conn: FakeConnection, data: Buffer): void {
    const state = this.#states.get(conn)!;
    let msg: { type?: unknown; audio?: unknown; session?: { input_audio_params?: { sample_rate_hz?: number } } };
    try {
      msg = JSON.parse(data.toString('utf8')) as typeof msg;
    } catch {
      this.#send(conn, { type: 'error', error: { message: 'Invalid JSON' } });
      return;
    }
    switch (msg.type) {
      case 'transcription_session.update': {
        state.rate = msg.session?.input_audio_params?.sample_rate_hz ?? DEFAULT_RATE;
        state.detector = new WordDetector(state.rate);
        this.rates.push(state.rate);
        this.#send(conn, { type: 'transcription_session.updated', session: { ...msg.session } });
        return;
      }
      case 'input_audio_buffer.append': {
        const bytes = Buffer.from(String(msg.audio), 'base64');
        state.pending.push(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
        return;
      }
      case 'input_audio_buffer.commit':
        return this.#recognize(conn, state);
      case 'input_audio_buffer.done':
        return this.answerEnd(conn, () => this.#finish(conn, state));
      default:
        this.#send(conn, { type: 'error', error: { message: `Unknown event type: ${String(msg.type)}` } });
    }
  }

  #recognize(conn: FakeConnection, state: State): void {
    const detector = state.detector ?? (state.detector = new WordDetector(state.rate));
    for (const chunk of state.pending.splice(0)) {
      conn.audio.append(chunk);
      for (const e of detector.push(chunk)) {
        if (e.kind !== 'word') continue;
        state.words.push({
          word: wordText(e.id),
          start_time: this.#ms(state, e.startSample),
          end_time: this.#ms(state, e.endSample),
        });
        state.lastWordEnd = e.endSample;
        this.#send(conn, {
          type: 'conversation.item.input_audio_transcription.delta',
          delta: state.words.map((w) => w.word).join(' '),
        });
        if (this.afterWord(conn) === 'dropped') return;
      }
      if (
        state.words.length > 0 &&
        !detector.inWord &&
        this.#ms(state, conn.audio.length - state.lastWordEnd) >= END_OF_UTTERANCE_MS
      ) {
        this.#final(conn, state, false);
      }
    }
  }

  #final(conn: FakeConnection, state: State, last: boolean): void {
    const words = state.words.splice(0);
    this.#send(conn, {
      type: 'conversation.item.input_audio_transcription.completed',
      transcript: words.map((w) => w.word).join(' '),
      is_last_result: last,
      words_info: { words },
    });
    if (last) this.account(conn, conn.audio.length, 'last result');
    else this.account(conn, state.lastWordEnd, 'final');
  }

  #finish(conn: FakeConnection, state: State): void {
    this.#recognize(conn, state);
    for (const e of state.detector?.flush() ?? []) {
      if (e.kind !== 'word') continue;
      state.words.push({
        word: wordText(e.id),
        start_time: this.#ms(state, e.startSample),
        end_time: this.#ms(state, e.endSample),
      });
    }
    this.#final(conn, state, true);
  }

  #ms(state: State, samples: number): number {
    return Math.round((samples * 1000) / state.rate);
  }

  #send(conn: FakeConnection, event: RivaServerEvent): void {
    rivaServerEventSchema.parse(event);
    conn.send(event);
  }
}
