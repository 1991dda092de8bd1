import { EarshotError } from '../../shared/errors.ts';
import { SpeachesStream } from './speaches-stream.ts';
import {
  type CloseVerdict,
  type ConnectRequest,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderStream,
} from './types.ts';
import { classifyHttpStatus, serviceDetail } from './close-verdicts.ts';

/**
 * Speaches (speaches-ai/speaches @ 870e1e16, src/speaches/routers/realtime_ws.py):
 * - `model` is a required query parameter of `/v1/realtime`: without it FastAPI refuses the
 *   upgrade, which the client sees as HTTP 403 (as it sees a wrong API key);
 * - `intent=transcription` makes `model` the transcription model and turns off responses;
 *   `language` is a query parameter too, so no `session.update` is needed at all (and GA
 *   fields in one would be ignored; a `turn_detection` without every field is refused);
 * - appended audio is read as 24 kHz PCM16, whatever the session says;
 * - a session ends after 30 minutes (`asyncio.timeout(OPENAI_REALTIME_SESSION_DURATION_SECONDS)`)
 *   with no event: the socket just closes. The session rotates before that.
 */
export const SPEACHES_PCM_RATE = 24_000;
export const SPEACHES_MAX_SESSION_MS = 30 * 60_000;

export class SpeachesAdapter implements ProviderAdapter {
  readonly id = 'speaches' as const;
  readonly label = 'Speaches';
  readonly sampleRate = SPEACHES_PCM_RATE;
  readonly maxSessionMs: number | null;
  readonly replayPacing = null;
  readonly #url: string;
  readonly #apiKey: string | undefined;

  constructor(config: ProviderConfig) {
    if (!config.url) throw new EarshotError('USAGE', 'The Speaches provider needs a URL (e.g. ws://gpu-box:8000).');
    if (!config.model) {
      throw new EarshotError(
        'USAGE',
        'Speaches needs the transcription model it serves (e.g. --model Systran/faster-distil-whisper-small.en).',
      );
    }
    this.#url = speachesUrl(config.url, config.model, config.language);
    this.#apiKey = config.apiKey;
    this.maxSessionMs = config.maxSessionMs !== undefined ? config.maxSessionMs : SPEACHES_MAX_SESSION_MS;
  }

  connectRequest(): ConnectRequest {
    return { url: this.#url, headers: this.#apiKey ? { Authorization: `Bearer ${this.#apiKey}` } : {} };
  }

  createStream(): ProviderStream {
    return new SpeachesStream({ label: this.label, sampleRate: this.sampleRate });
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    if (status === 403) {
      const said = serviceDetail(detail);
      return {
        retry: false,
        code: 'PROVIDER_ERROR',
        message: `Speaches refused the connection (HTTP 403${said ? `: ${said}` : ''}). It answers 403 when the model is missing from the URL or the API key is wrong: check the model and the key.`,
      };
    }
    return classifyHttpStatus(this.label, status, detail);
  }
}

/** `ws://host:port`, `…/v1` or `…/v1/realtime`, with the query Speaches reads its session from. */
export function speachesUrl(raw: string, model: string, language: string | undefined): string {
  const url = new URL(raw);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '' || path === '/v1') url.pathname = '/v1/realtime';
  url.searchParams.set('model', model);
  url.searchParams.set('intent', 'transcription');
  if (language) url.searchParams.set('language', language);
  return url.toString();
}
