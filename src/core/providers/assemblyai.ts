import {
  classifyHttpStatus,
  msToSamples,
  num,
  readServerMessage,
  pcmBytes,
  str,
  type CloseVerdict,
  type ConnectRequest,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderEvent,
  type ProviderStream,
  type ProviderWord,
  type ReplayPacing,
  type WireMessage,
} from './types.ts';

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
 * AssemblyAI Universal Streaming v3: binary PCM in, `Turn` messages out.
 *
 * Accounting: a final turn (`end_of_turn`, formatted when `format_turns` is on) settles the
 * audio up to its last word's end; `Termination` (the answer to `Terminate`) settles the rest.
 * Audio goes out in messages of at least 50 ms, so the stream batches 20 ms frames, and pads
 * the very last message of a stream with silence when it would be shorter.
 */
export class AssemblyAiAdapter implements ProviderAdapter {
  readonly id = 'assemblyai' as const;
  readonly label = 'AssemblyAI';
  readonly sampleRate: number;
  readonly maxSessionMs: number | null;
  readonly replayPacing: ReplayPacing | null = ASSEMBLYAI_REPLAY_PACING;
  readonly #config: ProviderConfig;

  constructor(config: ProviderConfig) {
    this.#config = config;
    this.sampleRate = config.sampleRate ?? 16_000;
    this.maxSessionMs = config.maxSessionMs !== undefined ? config.maxSessionMs : ASSEMBLYAI_MAX_SESSION_MS;
  }

  connectRequest(): ConnectRequest {
    const url = new URL(this.#config.url ?? ASSEMBLYAI_URL);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/v3/ws';
    const defaults: Record<string, string> = {
      sample_rate: String(this.sampleRate),
      encoding: 'pcm_s16le',
      format_turns: 'true',
      speech_model:
        this.#config.model ??
        (this.#config.language && this.#config.language !== 'en'
          ? 'universal-streaming-multilingual'
          : 'universal-streaming-english'),
    };
    for (const [key, value] of Object.entries(defaults))
      if (!url.searchParams.has(key)) url.searchParams.set(key, value);
    // Servers use the raw key (no scheme); browsers would need a temporary ?token=.
    return { url: url.toString(), headers: this.#config.apiKey ? { Authorization: this.#config.apiKey } : {} };
  }

  createStream(): ProviderStream {
    return new AssemblyAiStream(this.label, this.sampleRate, true);
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    return classifyHttpStatus(this.label, status, detail);
  }
}

type Decoded = { send: WireMessage[]; events: ProviderEvent[] };

class AssemblyAiStream implements ProviderStream {
  readonly #label: string;
  readonly #rate: number;
  readonly #formatTurns: boolean;
  #pending: Int16Array[] = [];
  #pendingSamples = 0;
  #inTurn = false;
  #settled = 0;
  #expired = false;
  #lastError: { code: number; message: string } | null = null;
  readonly #finalTurns = new Set<number>();

  constructor(label: string, rate: number, formatTurns: boolean) {
    this.#label = label;
    this.#rate = rate;
    this.#formatTurns = formatTurns;
  }

  onOpen(): { send: WireMessage[]; events: ProviderEvent[] } {
    return { send: [], events: [] }; // Configuration is in the URL; wait for `Begin`.
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    if (samples.length === 0) return [];
    this.#pending.push(samples);
    this.#pendingSamples += samples.length;
    if (this.#pendingSamples < msToSamples(MIN_CHUNK_MS, this.#rate)) return [];
    return this.#takePending(false);
  }

  flush(): WireMessage[] {
    const audio = this.#pendingSamples >= msToSamples(MIN_CHUNK_MS, this.#rate) ? this.#takePending(false) : [];
    return [...audio, JSON.stringify({ type: 'ForceEndpoint' })];
  }

  end(): WireMessage[] {
    return [...this.#takePending(true), JSON.stringify({ type: 'Terminate' })];
  }

  keepAlive(): WireMessage {
    return JSON.stringify({ type: 'KeepAlive' });
  }

  hasBatchedAudio(): boolean {
    return this.#pendingSamples > 0;
  }

  inTurn(): boolean {
    return this.#inTurn;
  }

  maybeCommit(): null {
    return null;
  }

  decode(data: Buffer, isBinary: boolean): Decoded {
    const out: Decoded = { send: [], events: [] };
    const read = readServerMessage(this.#label, data, isBinary);
    if ('warning' in read) {
      out.events.push(read.warning);
      return out;
    }
    const m = read.msg;
    switch (m.type) {
      case 'Begin': {
        const expiresAt = num(m['expires_at']);
        out.events.push({ kind: 'ready', ...(expiresAt === undefined ? {} : { expiresAtMs: expiresAt * 1000 }) });
        break;
      }
      case 'SpeechStarted':
        this.#inTurn = true;
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
      default:
        out.events.push({ kind: 'ignored', type: m.type });
    }
    return out;
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    const label = this.#label;
    const detail = this.#lastError?.message ?? (reason || `close code ${code}`);
    if (this.#expired || code === 3008 || code === 4008) {
      return {
        retry: true,
        immediate: true,
        code: 'WS_CLOSED',
        message: `${label} ended the session at its time limit; Earshot reconnected.`,
      };
    }
    if (code === 1008 || code === 4001)
      return {
        retry: false,
        code: 'PROVIDER_AUTH_FAILED',
        message: `${label} rejected the API key (${detail}). Check the key.`,
      };
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
    return {
      retry: true,
      code: 'WS_CLOSED',
      message: `The connection to ${label} closed (${code} ${detail}). Earshot is reconnecting without losing audio.`,
    };
  }

  #takePending(padToMinimum: boolean): WireMessage[] {
    if (this.#pendingSamples === 0) return [];
    const minSamples = msToSamples(MIN_CHUNK_MS, this.#rate);
    const total = padToMinimum ? Math.max(this.#pendingSamples, minSamples) : this.#pendingSamples;
    const joined = new Int16Array(total); // zero-filled: the padding is silence
    let offset = 0;
    for (const part of this.#pending) {
      joined.set(part, offset);
      offset += part.length;
    }
    this.#pending = [];
    this.#pendingSamples = 0;
    const maxSamples = msToSamples(MAX_CHUNK_MS, this.#rate);
    const messages: WireMessage[] = [];
    for (let i = 0; i < joined.length; i += maxSamples)
      messages.push(Buffer.from(pcmBytes(joined.subarray(i, i + maxSamples))));
    return messages;
  }

  #onTurn(m: Record<string, unknown>, out: Decoded): void {
    const order = num(m['turn_order']);
    if (order === undefined) {
      out.events.push({
        kind: 'warning',
        code: 'PROVIDER_PROTOCOL',
        message: `${this.#label} sent a Turn without turn_order; ignored.`,
      });
      return;
    }
    const words = parseWords(m['words']);
    const transcript = (str(m['transcript']) ?? '').trim();
    const endOfTurn = m['end_of_turn'] === true;
    const isFinal = endOfTurn && (m['turn_is_formatted'] === true || !this.#formatTurns);
    const key = `t${order}`;
    if (this.#finalTurns.has(order)) return; // a late repeat of a turn already final
    const startMs = words[0]?.startMs;
    const endMs = words.at(-1)?.endMs;
    const times = { ...(startMs === undefined ? {} : { startMs }), ...(endMs === undefined ? {} : { endMs }) };
    if (!isFinal) {
      // `transcript` holds the finalized words; the non-final tail words are still changing.
      const tail = words.filter((w) => !w.final).map((w) => w.text);
      const text = [transcript, ...tail].filter(Boolean).join(' ');
      if (text) this.#inTurn = !endOfTurn;
      out.events.push({ kind: 'transcript', key, text, isFinal: false, ...times });
      return;
    }
    this.#finalTurns.add(order);
    this.#inTurn = false;
    out.events.push({
      kind: 'transcript',
      key,
      text: transcript,
      isFinal: true,
      ...times,
      ...(words.length > 0
        ? { words: words.map(({ text, startMs: s, endMs: e }) => ({ text, startMs: s, endMs: e })) }
        : {}),
    });
    if (endMs !== undefined) {
      const until = msToSamples(endMs, this.#rate);
      if (until > this.#settled) {
        this.#settled = until;
        out.events.push({ kind: 'settled', untilSample: until });
      }
    }
  }

  #onError(m: Record<string, unknown>, out: Decoded): void {
    const code = num(m['error_code']) ?? 0;
    const message = str(m['error']) ?? 'no description';
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
        message: `${this.#label} rejected the API key: ${message}`,
      });
      return;
    }
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      message: `${this.#label} reported an error (${code}): ${message}`,
    });
  }
}

function parseWords(value: unknown): (ProviderWord & { final: boolean })[] {
  if (!Array.isArray(value)) return [];
  const words: (ProviderWord & { final: boolean })[] = [];
  for (const w of value as Record<string, unknown>[]) {
    const text = str(w['text']);
    const startMs = num(w['start']);
    const endMs = num(w['end']);
    if (text !== undefined && startMs !== undefined && endMs !== undefined)
      words.push({ text, startMs, endMs, final: w['word_is_final'] !== false });
  }
  return words;
}
