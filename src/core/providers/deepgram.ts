import {
  classifyHttpStatus,
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
  type WireMessage,
} from './types.ts';

export const DEEPGRAM_URL = 'wss://api.deepgram.com/v1/listen';

/**
 * Deepgram live streaming (`/v1/listen`): binary linear16 in, `Results` out.
 *
 * Accounting: a `Results` with `is_final: true` says the text for `[start, start+duration]`
 * will not change, and Deepgram's finals tile the audio (silence gets empty finals), so the
 * end of each final settles everything before it. After `CloseStream` the service sends its
 * last finals and a `Metadata` summary: that ends the stream.
 */
export class DeepgramAdapter implements ProviderAdapter {
  readonly id = 'deepgram' as const;
  readonly label = 'Deepgram';
  readonly sampleRate: number;
  /** No session limit is documented for live STT. */
  readonly maxSessionMs: number | null;
  /**
   * Deepgram throttles audio above 1.25× real time rather than closing, and recommends
   * re-sending buffered audio after a reconnect ("Recovering from connection errors and
   * timeouts when live streaming audio"): replay at once and let it throttle.
   */
  readonly replayPacing = null;
  readonly #config: ProviderConfig;

  constructor(config: ProviderConfig) {
    this.#config = config;
    this.sampleRate = config.sampleRate ?? 16_000;
    this.maxSessionMs = config.maxSessionMs ?? null;
  }

  connectRequest(): ConnectRequest {
    const url = new URL(this.#config.url ?? DEEPGRAM_URL);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/listen';
    const defaults: Record<string, string> = {
      model: this.#config.model ?? 'nova-3',
      encoding: 'linear16',
      sample_rate: String(this.sampleRate),
      channels: '1',
      interim_results: 'true',
      endpointing: '300',
      utterance_end_ms: '1000',
      vad_events: 'true',
      smart_format: 'true',
      ...(this.#config.language ? { language: this.#config.language } : {}),
    };
    for (const [key, value] of Object.entries(defaults))
      if (!url.searchParams.has(key)) url.searchParams.set(key, value);
    return {
      url: url.toString(),
      headers: this.#config.apiKey ? { Authorization: `Token ${this.#config.apiKey}` } : {},
    };
  }

  createStream(): ProviderStream {
    return new DeepgramStream(this.label, this.sampleRate);
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    return classifyHttpStatus(this.label, status, detail);
  }
}

type Decoded = { send: WireMessage[]; events: ProviderEvent[] };

class DeepgramStream implements ProviderStream {
  readonly #label: string;
  readonly #rate: number;
  #inTurn = false;
  #settled = 0;
  /** Keys of interim results shown and not yet replaced by a final. */
  readonly #openPartials = new Set<string>();
  #lastError: string | null = null;

  constructor(label: string, rate: number) {
    this.#label = label;
    this.#rate = rate;
  }

  onOpen(): { send: WireMessage[]; events: ProviderEvent[] } {
    // Deepgram has no set-up message: configuration is in the URL, audio may flow at once.
    return { send: [], events: [{ kind: 'ready' }] };
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    // An empty binary frame used to mean "close" to Deepgram: never send one.
    return samples.length === 0 ? [] : [pcmBytes(samples)];
  }

  flush(): WireMessage[] {
    return [JSON.stringify({ type: 'Finalize' })];
  }

  end(): WireMessage[] {
    return [JSON.stringify({ type: 'CloseStream' })];
  }

  keepAlive(): WireMessage {
    return JSON.stringify({ type: 'KeepAlive' });
  }

  hasBatchedAudio(): boolean {
    return false;
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
      case 'Results':
        this.#onResults(m, out);
        break;
      case 'SpeechStarted':
        this.#inTurn = true;
        break;
      case 'UtteranceEnd':
        this.#inTurn = false;
        break;
      case 'Metadata':
        out.events.push({ kind: 'ended' });
        break;
      case 'Error': {
        const message = str(m['description']) ?? str(m['message']) ?? 'no description';
        this.#lastError = message;
        out.events.push({
          kind: 'warning',
          code: 'PROVIDER_ERROR',
          message: `${this.#label} reported an error: ${message}`,
        });
        break;
      }
      default:
        out.events.push({ kind: 'ignored', type: m.type });
    }
    return out;
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    const label = this.#label;
    // Deepgram's close reasons are the contract (numeric codes vary between docs and logs).
    if (reason.startsWith('DATA-')) {
      return {
        retry: false,
        code: 'PROVIDER_ERROR',
        message: `${label} could not decode the audio (${reason}). This is a bug in Earshot; please report it.`,
      };
    }
    if (code === 1008 && /auth|token|credential/i.test(reason)) {
      return {
        retry: false,
        code: 'PROVIDER_AUTH_FAILED',
        message: `${label} rejected the API key (${reason}). Check the key.`,
      };
    }
    const detail = reason || this.#lastError || `close code ${code}`;
    return {
      retry: true,
      code: 'WS_CLOSED',
      message: `The connection to ${label} closed (${code} ${detail}). Earshot is reconnecting without losing audio.`,
    };
  }

  #onResults(m: Record<string, unknown>, out: Decoded): void {
    const start = num(m['start']);
    const duration = num(m['duration']);
    if (start === undefined || duration === undefined) {
      out.events.push({
        kind: 'warning',
        code: 'PROVIDER_PROTOCOL',
        message: `${this.#label} sent Results without start/duration; ignored.`,
      });
      return;
    }
    const channel = m['channel'] as { alternatives?: { transcript?: unknown; words?: unknown }[] } | undefined;
    const alternative = channel?.alternatives?.[0];
    const text = (str(alternative?.transcript) ?? '').trim();
    const key = `r${Math.round(start * 1000)}`;
    const startMs = start * 1000;
    const endMs = (start + duration) * 1000;
    const isFinal = m['is_final'] === true;
    if (!isFinal) {
      if (text) {
        this.#inTurn = true;
        this.#openPartials.add(key);
        out.events.push({ kind: 'transcript', key, text, isFinal: false, startMs, endMs });
      } else if (this.#openPartials.delete(key)) {
        out.events.push({ kind: 'transcript', key, text: '', isFinal: false });
      }
      return;
    }
    this.#openPartials.delete(key);
    // An empty final still goes out: it retracts any interim shown for this range. Words, when
    // given, time the speech itself rather than the whole range (which includes silence).
    const words = parseWords(alternative?.words);
    out.events.push({
      kind: 'transcript',
      key,
      text,
      isFinal: true,
      startMs: words?.[0]?.startMs ?? startMs,
      endMs: words?.at(-1)?.endMs ?? endMs,
      ...(words ? { words } : {}),
    });
    if (m['speech_final'] === true) this.#inTurn = false;
    const until = Math.round((start + duration) * this.#rate);
    if (until > this.#settled) {
      this.#settled = until;
      out.events.push({ kind: 'settled', untilSample: until });
    }
  }
}

function parseWords(value: unknown): ProviderWord[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const words: ProviderWord[] = [];
  for (const w of value as Record<string, unknown>[]) {
    const text = str(w['punctuated_word']) ?? str(w['word']);
    const start = num(w['start']);
    const end = num(w['end']);
    if (text !== undefined && start !== undefined && end !== undefined)
      words.push({ text, startMs: start * 1000, endMs: end * 1000 });
  }
  return words.length > 0 ? words : undefined;
}
