import {
  assemblyAiClientMessage,
  assemblyAiServerMessages,
  type AssemblyAiError,
  type AssemblyAiServerMessage,
  type AssemblyAiTurn,
} from './assemblyai-messages.ts';
import { BinaryAudioAdapter, BinaryAudioStream, type Decoded } from './binary-audio.ts';
import {
  msToSamples,
  pcmBytes,
  type CloseVerdict,
  type ProviderConfig,
  type ProviderStream,
  type ReplayPacing,
  type WireMessage,
} from './types.ts';
import { authVerdict, expiryVerdict, reconnectVerdict } from './close-verdicts.ts';

export const ASSEMBLYAI_URL = 'wss://streaming.assemblyai.com/v3/ws';
/** AssemblyAI ends a streaming session after 3 hours (close 3008). */
export const ASSEMBLYAI_MAX_SESSION_MS = 3 * 60 * 60_000;
/**
 * AssemblyAI closes a session with 3007 "Audio Transmission Rate Exceeded: Received <x> sec.
 * audio in <y> sec" when audio arrives faster than real time ("Common session errors and
 * closures"; the API reference asks for chunks paced at about real time). It documents no
 * tolerance. Deepgram documents 1.25× real time as its maximum rate, and AssemblyAI's
 * throttle is reported at about the same (third-party notes on its "Message sequence" page),
 * so a replay goes out at 1.2× real time after a burst of 500 ms: slow to catch up (a 10 s
 * backlog behind a live microphone takes about 50 s), but never closed for speed, and a
 * 3007 close would cost a reconnect and a replay of the same audio.
 */
export const ASSEMBLYAI_REPLAY_PACING: ReplayPacing = { maxRealtimeFactor: 1.2, burstMs: 500 };
/** Each audio message must hold 50–1000 ms (close 3007 otherwise). */
const MIN_CHUNK_MS = 50;
const MAX_CHUNK_MS = 1000;

/**
 * AssemblyAI Universal Streaming v3: binary PCM in, `Turn` messages out. Message shapes:
 * assemblyai-messages.ts.
 *
 * Accounting: a final turn (`end_of_turn`, formatted when `format_turns` is on) settles the
 * audio up to its last word's end; `Termination` (the answer to `Terminate`) settles the rest.
 * Audio goes out in messages of at least 50 ms, so the stream batches 20 ms frames, and pads
 * the very last message of a stream with silence when it would be shorter.
 */
export class AssemblyAiAdapter extends BinaryAudioAdapter {
  readonly id = 'assemblyai' as const;
  readonly label = 'AssemblyAI';
  readonly replayPacing: ReplayPacing | null = ASSEMBLYAI_REPLAY_PACING;

  constructor(config: ProviderConfig) {
    // Servers send the raw key (no scheme); browsers would need a temporary ?token=.
    super(config, { url: ASSEMBLYAI_URL, path: '/v3/ws', authorization: (key) => key }, ASSEMBLYAI_MAX_SESSION_MS);
  }

  protected query(): Record<string, string> {
    const { model, language } = this.config;
    return {
      sample_rate: String(this.sampleRate),
      encoding: 'pcm_s16le',
      format_turns: 'true',
      speech_model:
        model ?? (language && language !== 'en' ? 'universal-streaming-multilingual' : 'universal-streaming-english'),
    };
  }

  createStream(): ProviderStream {
    return new AssemblyAiStream(this.label, this.sampleRate, true);
  }
}

class AssemblyAiStream extends BinaryAudioStream<AssemblyAiServerMessage> {
  readonly #formatTurns: boolean;
  #pending: Int16Array[] = [];
  #pendingSamples = 0;
  #expired = false;
  #lastError: { code: number; message: string } | null = null;
  readonly #finalTurns = new Set<number>();

  constructor(label: string, rate: number, formatTurns: boolean) {
    super(label, rate, assemblyAiServerMessages);
    this.#formatTurns = formatTurns;
  }

  onOpen(): Decoded {
    return { send: [], events: [] }; // Configuration is in the URL; wait for `Begin`.
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    if (samples.length === 0) return [];
    this.#pending.push(samples);
    this.#pendingSamples += samples.length;
    if (this.#pendingSamples < msToSamples(MIN_CHUNK_MS, this.rate)) return [];
    return this.#takePending(false);
  }

  flush(): WireMessage[] {
    const audio = this.#pendingSamples >= msToSamples(MIN_CHUNK_MS, this.rate) ? this.#takePending(false) : [];
    return [...audio, assemblyAiClientMessage({ type: 'ForceEndpoint' })];
  }

  end(): WireMessage[] {
    return [...this.#takePending(true), assemblyAiClientMessage({ type: 'Terminate' })];
  }

  keepAlive(): WireMessage {
    return assemblyAiClientMessage({ type: 'KeepAlive' });
  }

  override hasBatchedAudio(): boolean {
    return this.#pendingSamples > 0;
  }

  protected onMessage(m: AssemblyAiServerMessage, out: Decoded): void {
    switch (m.type) {
      case 'Begin':
        out.events.push({
          kind: 'ready',
          ...(typeof m.expires_at === 'number' ? { expiresAtMs: m.expires_at * 1000 } : {}),
        });
        break;
      case 'SpeechStarted':
        this.speaking = true;
        break;
      case 'Turn':
        this.#onTurn(m, out);
        break;
      case 'Termination':
        out.events.push({ kind: 'ended' });
        break;
      case 'Error':
        this.#onError(m, out);
        break;
    }
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    const label = this.label;
    const detail = this.#lastError?.message ?? (reason || `close code ${code}`);
    if (this.#expired || code === 3008 || code === 4008) return expiryVerdict(label);
    if (code === 1008 || code === 4001) return authVerdict(label, detail);
    if (code === 4002)
      return {
        retry: false,
        code: 'PROVIDER_ERROR',
        message: `${label} refused the session: ${detail}. Check your account balance.`,
      };
    if (code === 3006)
      return {
        retry: false,
        code: 'PROVIDER_ERROR',
        message: `${label} rejected a message from Earshot (${detail}). Please report this.`,
      };
    if (code === 3007)
      return {
        retry: true,
        code: 'WS_CLOSED',
        message: `${label} refused the audio stream (${detail}). Earshot is reconnecting without losing audio.`,
      };
    if (code === 3009)
      return {
        retry: true,
        code: 'PROVIDER_RATE_LIMITED',
        message: `${label} has too many sessions open on this account (${detail}). Earshot retries shortly.`,
      };
    return reconnectVerdict(label, code, detail);
  }

  #takePending(padToMinimum: boolean): WireMessage[] {
    if (this.#pendingSamples === 0) return [];
    const minSamples = msToSamples(MIN_CHUNK_MS, this.rate);
    const total = padToMinimum ? Math.max(this.#pendingSamples, minSamples) : this.#pendingSamples;
    const joined = new Int16Array(total); // zero-filled: the padding is silence
    let offset = 0;
    for (const part of this.#pending) {
      joined.set(part, offset);
      offset += part.length;
    }
    this.#pending = [];
    this.#pendingSamples = 0;
    const maxSamples = msToSamples(MAX_CHUNK_MS, this.rate);
    const messages: WireMessage[] = [];
    for (let i = 0; i < joined.length; i += maxSamples)
      messages.push(Buffer.from(pcmBytes(joined.subarray(i, i + maxSamples))));
    return messages;
  }

  #onTurn(m: AssemblyAiTurn, out: Decoded): void {
    const order = m.turn_order;
    if (this.#finalTurns.has(order)) return; // a late repeat of a turn already final
    const transcript = m.transcript.trim();
    const isFinal = m.end_of_turn && (m.turn_is_formatted || !this.#formatTurns);
    const key = `t${order}`;
    const startMs = m.words[0]?.start;
    const endMs = m.words.at(-1)?.end;
    const times = { ...(startMs === undefined ? {} : { startMs }), ...(endMs === undefined ? {} : { endMs }) };
    if (!isFinal) {
      const text = partialText(transcript, m.words);
      if (text) this.speaking = !m.end_of_turn;
      out.events.push({ kind: 'transcript', key, text, isFinal: false, ...times });
      return;
    }
    this.#finalTurns.add(order);
    this.speaking = false;
    out.events.push({
      kind: 'transcript',
      key,
      text: transcript,
      isFinal: true,
      ...times,
      ...(m.words.length > 0 ? { words: m.words.map((w) => ({ text: w.text, startMs: w.start, endMs: w.end })) } : {}),
    });
    if (endMs !== undefined) this.settle(msToSamples(endMs, this.rate), out);
  }

  #onError(m: AssemblyAiError, out: Decoded): void {
    const code = m.error_code ?? 0;
    const message = m.error ?? 'no description';
    this.#lastError = { code, message };
    if (code === 3008 || /expired/i.test(message)) {
      this.#expired = true;
      out.events.push({ kind: 'expired', message });
      return;
    }
    if (code === 1008) {
      out.events.push({
        kind: 'fatal',
        code: 'PROVIDER_AUTH_FAILED',
        message: `${this.label} rejected the API key: ${message}`,
      });
      return;
    }
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      message: `${this.label} reported an error (${code}): ${message}`,
    });
  }
}

/**
 * The text of a partial turn. Universal Streaming puts only the finalized words in `transcript`
 * and the still-changing tail in `words` (`word_is_final: false`). Universal-3 Pro models
 * (`u3-rt-pro`, `universal-3-5-pro`, …) put the WHOLE turn so far in `transcript` and mark every
 * word non-final (https://assemblyai.com/docs/streaming/universal-3-pro/turn-detection-and-partials):
 * a transcript with no final word behind it already holds the tail, and adding it would show
 * the text twice.
 */
export function partialText(transcript: string, words: readonly { text: string; word_is_final?: boolean }[]): string {
  const finals = words.filter((w) => w.word_is_final !== false).length;
  if (transcript !== '' && finals === 0) return transcript;
  const tail = words.filter((w) => w.word_is_final === false).map((w) => w.text);
  return [transcript, ...tail].filter(Boolean).join(' ');
}
