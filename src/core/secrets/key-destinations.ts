import { providerOrigin } from '../../shared/provider-url.ts';
import { serverUrl, type Settings } from '../../shared/settings.ts';
import type { ProviderId } from '../../shared/session.ts';
import { ASSEMBLYAI_URL } from '../providers/assemblyai.ts';
import { DEEPGRAM_URL } from '../providers/deepgram.ts';
import { OPENAI_REALTIME_URL } from '../providers/openai-realtime.ts';

/** Where each cloud service lives when no URL overrides it: its keys belong there and nowhere else. */
const HOME_URLS: Readonly<Partial<Record<ProviderId, string>>> = {
  openai: OPENAI_REALTIME_URL,
  deepgram: DEEPGRAM_URL,
  assemblyai: ASSEMBLYAI_URL,
};

/** `wss://api.openai.com` for openai; null for services without a home (local, the self-hosted servers). */
export function homeOrigin(id: ProviderId): string | null {
  const url = HOME_URLS[id];
  return url === undefined ? null : providerOrigin(url);
}

/** Where a stored key would go right now, by its name. */
export type KeyDestination =
  /** A provider key; `origin` null while the provider has no usable address (compatible URL unset). */
  | { readonly origin: string | null }
  /** Not a provider key (the captions token): stored as it is, never bound. */
  | null;

export function keyDestination(name: string, settings: Settings): KeyDestination {
  switch (name) {
    case 'openai':
    case 'deepgram':
    case 'assemblyai':
      return { origin: homeOrigin(name) };
    case 'openai-compatible':
    case 'vllm':
    case 'speaches':
    case 'riva': {
      const url = serverUrl(settings, name);
      return { origin: url === '' ? null : providerOrigin(url) };
    }
    default:
      return null;
  }
}
