import { EarshotError } from '../../shared/errors.ts';
import { AssemblyAiAdapter } from './assemblyai.ts';
import { DeepgramAdapter } from './deepgram.ts';
import { OpenAiRealtimeAdapter } from './openai-realtime.ts';
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
  // A self-hosted Deepgram (a URL of its own) authorizes at the container and takes no key.
  const needsKey =
    config.id === 'openai' || config.id === 'assemblyai' || (config.id === 'deepgram' && config.url === undefined);
  if (needsKey && !config.apiKey) throw new EarshotError('PROVIDER_KEY_MISSING');
  if ((config.id === 'local' || config.id === 'openai-compatible') && !config.url) {
    throw new EarshotError(
      'USAGE',
      `The ${config.id === 'local' ? 'local engine' : 'OpenAI-compatible'} provider needs a URL.`,
    );
  }
  if (config.url) {
    try {
      new URL(config.url);
    } catch (error) {
      throw new EarshotError('USAGE', `"${config.url}" is not a valid URL (${(error as Error).message}).`);
    }
  }
  switch (config.id) {
    case 'local':
    case 'openai':
    case 'openai-compatible':
      return new OpenAiRealtimeAdapter(config);
    case 'deepgram':
      return new DeepgramAdapter(config);
    case 'assemblyai':
      return new AssemblyAiAdapter(config);
    case 'vllm':
    case 'speaches':
    case 'riva':
      // Their dialects come with the dialect modules (issue 12, build item 1).
      throw new EarshotError('NOT_AVAILABLE', `The ${config.id} dialect is not in this build yet.`);
  }
}
