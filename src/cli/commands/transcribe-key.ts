import { DEFAULT_KEY_ENV } from '../../core/providers/index.ts';
import { homeOrigin } from '../../core/secrets/key-destinations.ts';
import { EarshotError } from '../../shared/errors.ts';
import { isServerProvider } from '../../shared/provider-presets.ts';
import { checkProviderUrl, realtimeEndpoint } from '../../shared/provider-url.ts';
import type { ProviderId } from '../../shared/session.ts';
import { UsageError } from '../errors.ts';

export interface CliKeyInput {
  readonly url?: string | undefined;
  readonly 'api-key-env'?: string | undefined;
}

export interface CliKey {
  readonly url?: string;
  readonly apiKey?: string;
  /** Said on stderr: a key that was found but deliberately not sent. */
  readonly notice?: string;
}

/**
 * Which key `transcribe` sends, and where. A provider's own variable ($OPENAI_API_KEY,
 * $DEEPGRAM_API_KEY, $ASSEMBLYAI_API_KEY) goes only to that provider's own host: a `--url`
 * elsewhere (a proxy; a server the person runs: OpenAI-compatible, vLLM, Speaches, Riva) gets
 * it only when the person names it with `--api-key-env`. The local engine's token ($EARSHOT_ENGINE_TOKEN) is Earshot's
 * own and goes to the engine the person pointed at.
 */
export function cliProviderKey(id: ProviderId, values: CliKeyInput, env: NodeJS.ProcessEnv): CliKey {
  const url = values.url === undefined ? undefined : checkedUrl(id, values.url);
  const explicit = values['api-key-env'];
  if (explicit !== undefined) {
    const apiKey = env[explicit]?.trim();
    if (!apiKey && needsKey(id))
      throw new EarshotError('PROVIDER_KEY_MISSING', `No API key: ${explicit} is not set or empty.`);
    return { ...(url ? { url } : {}), ...(apiKey ? { apiKey } : {}) };
  }
  if (id === 'local') {
    const apiKey = env['EARSHOT_ENGINE_TOKEN']?.trim();
    return { ...(url ? { url } : {}), ...(apiKey ? { apiKey } : {}) };
  }
  if (isServerProvider(id)) {
    // A server the person runs is not OpenAI: OpenAI's key is not theirs to receive.
    const stray = env['OPENAI_API_KEY']?.trim();
    return {
      ...(url ? { url } : {}),
      ...(stray
        ? {
            notice: `note: $OPENAI_API_KEY is not sent to ${url ?? 'the server'}; to send a key there, pass --api-key-env VAR.`,
          }
        : {}),
    };
  }
  const variable = DEFAULT_KEY_ENV[id]!;
  const home = homeOrigin(id)!;
  const apiKey = env[variable]?.trim();
  if (url && id === 'deepgram' && originOf(url) !== home && explicit === undefined) {
    // Self-hosted Deepgram authorizes at the container, not per request: connect without a key.
    return {
      url,
      ...(apiKey
        ? {
            notice: `note: $${variable} is only sent to ${home}, not to ${originOf(url)}; a self-hosted Deepgram needs no key. To send one there, pass --api-key-env VAR.`,
          }
        : {}),
    };
  }
  if (url && checkProviderUrl(url).ok && originOf(url) !== home) {
    throw new EarshotError(
      'PROVIDER_KEY_MISSING',
      `$${variable} is only sent to ${home}, and --url points at ${originOf(url)}. To send it there anyway, pass --api-key-env ${variable}.`,
    );
  }
  if (!apiKey)
    throw new EarshotError(
      'PROVIDER_KEY_MISSING',
      `No API key: set ${variable} (or name another variable with --api-key-env).`,
    );
  return { ...(url ? { url } : {}), apiKey };
}

function needsKey(id: ProviderId): boolean {
  return id === 'openai' || id === 'deepgram' || id === 'assemblyai';
}

/** The address as it will be dialled: OpenAI-style servers get their realtime path (see realtimeEndpoint). */
export function checkedUrl(id: ProviderId, raw: string): string {
  const realtime = id !== 'deepgram' && id !== 'assemblyai';
  const checked = realtime ? realtimeEndpoint(raw) : checkProviderUrl(raw);
  if (!checked.ok) throw new UsageError(`--url: ${checked.problem}.`);
  return checked.url;
}

function originOf(url: string): string {
  const checked = checkProviderUrl(url);
  return checked.ok ? checked.origin : url;
}
