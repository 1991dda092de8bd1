/**
 * Which addresses a speech service may have. A saved API key goes to this address, so only
 * real WebSocket endpoints are accepted: no `ws+unix:` sockets, no `file:` or `data:` URLs, and
 * no credentials in the URL itself (they would be logged and shown; the key has its own field).
 * `http:` and `https:` are accepted because people paste them, and mean `ws:` and `wss:`.
 * Problems are sentences without a final period: callers embed them.
 */

export type ProviderUrlCheck =
  | { readonly ok: true; /** With http→ws and https→wss. */ readonly url: string; readonly origin: string }
  | { readonly ok: false; readonly problem: string };

const WS_SCHEME: Readonly<Record<string, string>> = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' };
const EXAMPLE = 'wss://host/v1/realtime or ws://127.0.0.1:8080';

export function checkProviderUrl(raw: string): ProviderUrlCheck {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: `"${shorten(text)}" is not a web address. Use one like ${EXAMPLE}` };
  }
  const scheme = WS_SCHEME[url.protocol];
  if (scheme === undefined) {
    return {
      ok: false,
      problem: `The address must start with wss://, ws://, https:// or http://, not ${shorten(url.protocol)}//. Use one like ${EXAMPLE}`,
    };
  }
  if (url.username !== '' || url.password !== '') {
    return {
      ok: false,
      problem:
        'The address must not contain a user name or password (user:pass@…). Remove it and put the key in the API key field',
    };
  }
  if (url.hostname === '') return { ok: false, problem: `The address has no host name. Use one like ${EXAMPLE}` };
  url.protocol = scheme;
  return { ok: true, url: url.toString(), origin: url.origin };
}

/**
 * The origin a key is bound to: `wss://api.openai.com`, `ws://127.0.0.1:8080`. Ports that are a
 * scheme's default are dropped, names lowercased, http(s) read as ws(s), so equal addresses compare equal.
 */
export function providerOrigin(raw: string): string | null {
  const checked = checkProviderUrl(raw);
  return checked.ok ? checked.origin : null;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/**
 * The realtime endpoint behind an address people paste: a base URL (`http://gpu-box:8000`,
 * `…/v1`, `…/v1/`) names the server, and OpenAI-style servers (vLLM, Speaches, Riva NIM, Dynamo,
 * Earshot's engine) all serve the WebSocket at `/v1/realtime` under it. Any other path is kept
 * as typed (a proxy may mount the server elsewhere). Only for the OpenAI Realtime family:
 * Deepgram and AssemblyAI have paths of their own.
 */
export function realtimeEndpoint(raw: string): ProviderUrlCheck {
  const checked = checkProviderUrl(raw);
  if (!checked.ok) return checked;
  const url = new URL(checked.url);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') url.pathname = REALTIME_PATH;
  else if (path.endsWith('/v1')) url.pathname = `${path}/realtime`;
  return { ok: true, url: url.toString(), origin: checked.origin };
}

export const REALTIME_PATH = '/v1/realtime';
