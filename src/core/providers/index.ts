import { EarshotError } from '../../shared/errors.ts';
import { DIALECTS } from './dialects/registry.ts';
import type { ProviderAdapter, ProviderConfig } from './types.ts';

export type {
  ProviderAdapter,
  ProviderConfig,
  ProviderEvent,
  ProviderStream,
  WireMessage,
  CloseVerdict,
  ConnectRequest,
  ReplayPacing,
} from './types.ts';
export { OpenAiRealtimeAdapter, transcriptionUrl, OPENAI_REALTIME_URL } from './openai-realtime.ts';
export { DeepgramAdapter, DEEPGRAM_URL } from './deepgram.ts';
export { AssemblyAiAdapter, ASSEMBLYAI_URL } from './assemblyai.ts';
export { VllmAdapter } from './dialects/vllm.ts';
export { DIALECTS, type Dialect } from './dialects/registry.ts';

/** Environment variables the CLI reads a key from when `--api-key-env` is not given. */
export const DEFAULT_KEY_ENV: Readonly<Record<string, string>> = {
  openai: 'OPENAI_API_KEY',
  'openai-compatible': 'OPENAI_API_KEY',
  deepgram: 'DEEPGRAM_API_KEY',
  assemblyai: 'ASSEMBLYAI_API_KEY',
};

/**
 * Builds the adapter for a provider. Cloud providers need a key (PROVIDER_KEY_MISSING);
 * `local` and `openai-compatible` need a URL (the engine's, or the server's).
 *
 * ```ts
 * const provider = createProvider({ id: 'openai', apiKey, model: 'gpt-4o-mini-transcribe', language: 'en' });
 * const engine = createProvider({ id: 'local', url: engine.url, apiKey: engine.token });
 * ```
 */
export function createProvider(config: ProviderConfig): ProviderAdapter {
  const dialect = DIALECTS[config.id];
  // A self-hosted Deepgram (a URL of its own) authorizes at the container and takes no key.
  const selfHostedDeepgram = config.id === 'deepgram' && config.url !== undefined;
  if (dialect.needsKey && !selfHostedDeepgram && !config.apiKey) throw new EarshotError('PROVIDER_KEY_MISSING');
  if (dialect.needsUrl && !config.url) {
    throw new EarshotError('USAGE', `The ${dialect.name} provider needs a URL.`);
  }
  if (dialect.needsModel && !config.model) {
    throw new EarshotError('USAGE', `The ${dialect.name} provider needs the served model's name (--model NAME).`);
  }
  if (config.url) {
    try {
      new URL(config.url);
    } catch (error) {
      throw new EarshotError('USAGE', `"${config.url}" is not a valid URL (${(error as Error).message}).`);
    }
  }
  return dialect.create(config);
}
