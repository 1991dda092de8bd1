import type { ProviderId } from '../../shared/session.ts';
import { REALTIME_PATH } from '../../shared/provider-url.ts';
import { type CloseVerdict, type ProviderAdapter } from './types.ts';
import { serviceDetail } from './close-verdicts.ts';

/**
 * What a refused WebSocket upgrade means before the adapter's own judgement (a 401/403 is
 * usually the key): some refusals are not about the key at all, and no retry fixes them.
 *
 * - 404: nothing listens at that path. An OpenAI-style server wants `/v1/realtime`.
 * - 403 from a FastAPI server (vLLM, Speaches): Starlette closes an upgrade it will not serve
 *   before accepting it, and uvicorn turns that close into `HTTP 403` with an empty body
 *   (encode/uvicorn, uvicorn/protocols/websockets/websockets_impl.py, `asgi_send`). That
 *   happens for a path with no route, and on Speaches for a missing `model` query parameter,
 *   which its `/v1/realtime` route declares required (speaches-ai/speaches,
 *   src/speaches/routers/realtime_ws.py at 9aca787). Speaches' own key check also closes
 *   before accepting, so a 403 on the right path with a model named is still the key.
 */
export function diagnoseHandshake(provider: ProviderAdapter, status: number | null, detail: string): CloseVerdict {
  if (status === 404) return pathNotFound(provider, status, detail);
  if (status === 403 && REALTIME_FAMILY.has(provider.id)) {
    const request = provider.connectRequest();
    const url = new URL(request.url);
    if (!url.pathname.replace(/\/+$/, '').endsWith('/realtime')) return pathNotFound(provider, status, detail);
    const keySent = Object.keys(request.headers).some((name) => name.toLowerCase() === 'authorization');
    const modelQueryNeeded = provider.id === 'speaches' || (provider.id === 'openai-compatible' && !keySent);
    if (modelQueryNeeded && !url.searchParams.has('model')) return modelMissing(provider, status, detail);
  }
  return provider.classifyHandshake(status, detail);
}

/** Adapters that speak the OpenAI Realtime protocol, whose endpoint is `/v1/realtime`. */
const REALTIME_FAMILY: ReadonlySet<ProviderId> = new Set([
  'local',
  'openai',
  'openai-compatible',
  'vllm',
  'speaches',
  'riva',
]);

function pathNotFound(provider: ProviderAdapter, status: number, detail: string): CloseVerdict {
  const where = `at ${pathOf(provider)}`;
  const realtime = REALTIME_FAMILY.has(provider.id)
    ? ` OpenAI-compatible servers (vLLM, Speaches, Riva) listen on ${REALTIME_PATH}, e.g. ws://gpu-box:8000${REALTIME_PATH}.`
    : '';
  return {
    retry: false,
    code: 'PROVIDER_PATH_NOT_FOUND',
    message: `${provider.label} has no realtime endpoint ${where} (HTTP ${status}${suffix(detail)}). Check the path of the URL.${realtime}`,
  };
}

function modelMissing(provider: ProviderAdapter, status: number, detail: string): CloseVerdict {
  return {
    retry: false,
    code: 'PROVIDER_MODEL_MISSING',
    message: `${provider.label} refused the connection (HTTP ${status}${suffix(detail)}) and the address names no model. Speaches refuses a connection without ?model=NAME: enter the model the server runs (Settings, or --model NAME).`,
  };
}

function pathOf(provider: ProviderAdapter): string {
  // Pure for every adapter: the URL and headers it would connect with.
  return new URL(provider.connectRequest().url).pathname;
}

function suffix(detail: string): string {
  const shown = serviceDetail(detail);
  return shown ? `: ${shown}` : '';
}
