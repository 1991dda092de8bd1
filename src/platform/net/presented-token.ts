import type { IncomingMessage } from 'node:http';

/**
 * Where a client may put its token. Browsers cannot set headers on a WebSocket, so every
 * server accepts a subprotocol entry `<prefix><token>`; each server adds what its other
 * clients use (a `?token=` query for the captions overlay, `Authorization: Bearer` for
 * OpenAI-style clients of the engine).
 */
export interface TokenCarriers {
  readonly subprotocolPrefix: string;
  /** Also read `Authorization: Bearer <token>`. */
  readonly bearer?: boolean;
  /** Also read this query parameter; it wins over the subprotocol when both are given. */
  readonly queryParameter?: string;
}

/** The token a request presents, or null when it carries none. */
export function presentedToken(request: IncomingMessage, carriers: TokenCarriers): string | null {
  if (carriers.queryParameter !== undefined) {
    // The base only anchors relative parsing; nothing here trusts the Host header.
    const query = new URL(request.url ?? '/', 'http://request.invalid').searchParams;
    const fromQuery = query.get(carriers.queryParameter);
    if (fromQuery !== null) return fromQuery;
  }
  if (carriers.bearer) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (match) return match[1]!;
  }
  const entry = offeredSubprotocols(request).find((p) => p.startsWith(carriers.subprotocolPrefix));
  return entry === undefined ? null : entry.slice(carriers.subprotocolPrefix.length);
}

/** The entries of `Sec-WebSocket-Protocol`, trimmed, in the order offered. */
export function offeredSubprotocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}
