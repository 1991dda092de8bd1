import { EarshotError } from '../../shared/errors.ts';
import { RivaStream } from './riva-stream.ts';
import {
  type CloseVerdict,
  type ConnectRequest,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderStream,
} from './types.ts';
import { classifyHttpStatus } from './close-verdicts.ts';

/**
 * NVIDIA Riva ASR NIM, realtime WebSocket API (sources in riva-messages.ts). 16 kHz PCM16 is the
 * documented default rate (`input_audio_params.sample_rate_hz`); the language is BCP-47
 * (`en-US`). NVIDIA documents no session time limit for this endpoint.
 */
export const RIVA_PCM_RATE = 16_000;
const RIVA_DEFAULT_LANGUAGE = 'en-US';

export class RivaAdapter implements ProviderAdapter {
  readonly id = 'riva' as const;
  readonly label = 'Riva';
  readonly sampleRate: number;
  readonly maxSessionMs: number | null;
  readonly replayPacing = null;
  readonly #url: string;
  readonly #config: ProviderConfig;

  constructor(config: ProviderConfig) {
    if (!config.url) throw new EarshotError('USAGE', 'The Riva provider needs a URL (e.g. ws://asr-nim:9000).');
    this.#config = config;
    this.#url = rivaUrl(config.url);
    this.sampleRate = config.sampleRate ?? RIVA_PCM_RATE;
    this.maxSessionMs = config.maxSessionMs ?? null;
  }

  connectRequest(): ConnectRequest {
    const key = this.#config.apiKey;
    return { url: this.#url, headers: key ? { Authorization: `Bearer ${key}` } : {} };
  }

  createStream(): ProviderStream {
    return new RivaStream({
      label: this.label,
      sampleRate: this.sampleRate,
      language: this.#config.language ?? RIVA_DEFAULT_LANGUAGE,
      model: this.#config.model,
    });
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    return classifyHttpStatus(this.label, status, detail);
  }
}

/** `ws://host:9000`, `…/v1` or `…/v1/realtime`, with `intent=transcription` as NVIDIA's client sends it. */
export function rivaUrl(raw: string): string {
  const url = new URL(raw);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '' || path === '/v1') url.pathname = '/v1/realtime';
  if (!url.searchParams.has('intent')) url.searchParams.set('intent', 'transcription');
  return url.toString();
}
