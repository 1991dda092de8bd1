import { BinaryAudioAdapter, BinaryAudioStream, type Decoded } from './binary-audio.ts';
import {
  deepgramClientMessage,
  deepgramServerMessages,
  type DeepgramError,
  type DeepgramResults,
  type DeepgramServerMessage,
} from './deepgram-messages.ts';
import {
  pcmBytes,
  type CloseVerdict,
  type ProviderConfig,
  type ProviderStream,
  type ProviderWord,
  type WireMessage,
} from './types.ts';
import { authVerdict, reconnectVerdict, serviceDetail } from './close-verdicts.ts';

export const DEEPGRAM_URL = 'wss://api.deepgram.com/v1/listen';

/**
 * Deepgram live streaming (`/v1/listen`): binary linear16 in, `Results` out. Message shapes:
 * deepgram-messages.ts.
 *
 * Accounting: a `Results` with `is_final: true` says the text for `[start, start+duration]`
 * will not change, and Deepgram's finals tile the audio (silence gets empty finals), so the
 * end of each final settles everything before it. After `CloseStream` the service sends its
 * last finals and a `Metadata` summary: that ends the stream.
 */
export class DeepgramAdapter extends BinaryAudioAdapter {
  readonly id = 'deepgram' as const;
  readonly label = 'Deepgram';
  /**
   * Deepgram throttles audio above 1.25× real time rather than closing, and recommends
   * re-sending buffered audio after a reconnect ("Recovering from connection errors and
   * timeouts when live streaming audio"): replay at once and let it throttle.
   */
  readonly replayPacing = null;

  constructor(config: ProviderConfig) {
    // No session limit is documented for live STT.
    super(config, { url: DEEPGRAM_URL, path: '/v1/listen', authorization: (key) => `Token ${key}` }, null);
  }

  protected query(): Record<string, string> {
    return {
      model: this.config.model ?? 'nova-3',
      encoding: 'linear16',
      sample_rate: String(this.sampleRate),
      channels: '1',
      interim_results: 'true',
      endpointing: '300',
      utterance_end_ms: '1000',
      vad_events: 'true',
      smart_format: 'true',
      ...(this.config.language ? { language: this.config.language } : {}),
    };
  }

  createStream(): ProviderStream {
    return new DeepgramStream(this.label, this.sampleRate);
  }
}

class DeepgramStream extends BinaryAudioStream<DeepgramServerMessage> {
  /** Keys of interim results shown and not yet replaced by a final. */
  readonly #openPartials = new Set<string>();
  #lastError: string | null = null;

  constructor(label: string, rate: number) {
    super(label, rate, deepgramServerMessages);
  }

  onOpen(): Decoded {
    // Deepgram has no set-up message: configuration is in the URL, audio may flow at once.
    return { send: [], events: [{ kind: 'ready' }] };
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    // An empty binary frame used to mean "close" to Deepgram: never send one.
    return samples.length === 0 ? [] : [pcmBytes(samples)];
  }

  flush(): WireMessage[] {
    return [deepgramClientMessage({ type: 'Finalize' })];
  }

  end(): WireMessage[] {
    return [deepgramClientMessage({ type: 'CloseStream' })];
  }

  keepAlive(): WireMessage {
    return deepgramClientMessage({ type: 'KeepAlive' });
  }

  protected onMessage(m: DeepgramServerMessage, out: Decoded): void {
    switch (m.type) {
      case 'Results':
        this.#onResults(m, out);
        break;
      case 'SpeechStarted':
        this.speaking = true;
        break;
      case 'UtteranceEnd':
        this.speaking = false;
        break;
      case 'Metadata':
        out.events.push({ kind: 'ended' });
        break;
      case 'Error':
        this.#lastError = m.description ?? m.variant ?? 'no description';
        out.events.push({ kind: 'warning', code: 'PROVIDER_ERROR', message: deepgramErrorText(this.label, m) });
        break;
    }
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    // Deepgram's close reasons are the contract (numeric codes vary between docs and logs).
    if (reason.startsWith('DATA-')) {
      return {
        retry: false,
        code: 'PROVIDER_ERROR',
        message: `${this.label} could not decode the audio (${reason}). This is a bug in Earshot; please report it.`,
      };
    }
    if (code === 1008 && /auth|token|credential/i.test(reason)) return authVerdict(this.label, reason);
    return reconnectVerdict(this.label, code, reason || this.#lastError || `close code ${code}`);
  }

  #onResults(m: DeepgramResults, out: Decoded): void {
    const alternative = m.channel.alternatives[0];
    const text = (alternative?.transcript ?? '').trim();
    const key = `r${Math.round(m.start * 1000)}`;
    const startMs = m.start * 1000;
    const endMs = (m.start + m.duration) * 1000;
    if (m.is_final !== true) {
      if (text) {
        this.speaking = true;
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
    const words: ProviderWord[] | undefined = alternative?.words?.length
      ? alternative.words.map((w) => ({
          text: w.punctuated_word ?? w.word,
          startMs: w.start * 1000,
          endMs: w.end * 1000,
        }))
      : undefined;
    out.events.push({
      kind: 'transcript',
      key,
      text,
      isFinal: true,
      startMs: words?.[0]?.startMs ?? startMs,
      endMs: words?.at(-1)?.endMs ?? endMs,
      ...(words ? { words } : {}),
    });
    if (m.speech_final === true) this.speaking = false;
    this.settle(Math.round((m.start + m.duration) * this.rate), out);
  }
}

/**
 * What a Deepgram `Error` message means for the person. Both documented variants are about a text
 * message Earshot sent (it sends only KeepAlive, Finalize and CloseStream): transcription goes on.
 */
export function deepgramErrorText(label: string, m: DeepgramError): string {
  const what = serviceDetail(m.description ?? m.message ?? '') || 'no description';
  const kind = [m.variant, m.code].filter(Boolean).join(' ');
  const said = kind ? `${kind}: ${what}` : what;
  if (m.variant === 'SchemaError' || m.variant === 'InvalidConfigureMessage')
    return `${label} could not use a control message from Earshot (${said}); transcription continues. Please report this.`;
  return `${label} reported an error (${said}); transcription continues.`;
}
