import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EarshotError } from '../../shared/errors.ts';
import { TOKEN_SUBPROTOCOL_PREFIX } from './protocol.ts';

/**
 * Who may subscribe. Every server has a token (generated when none is given): without one,
 * any web page the person visits could open ws://127.0.0.1:<port> and read their words,
 * because browsers apply no same-origin rule to WebSockets.
 */

/** URL- and subprotocol-safe (RFC 7230 token characters), so it travels in `?token=` and `Sec-WebSocket-Protocol`. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]+$/;
const MIN_LAN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 128;

export function generateToken(): string {
  return randomBytes(18).toString('base64url');
}

/** Checks a token a person chose; LAN exposure demands one that cannot be guessed. */
export function validateToken(token: string, exposedToLan: boolean): void {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) {
    throw new EarshotError(
      'CAPTIONS_TOKEN_INVALID',
      `The captions token must be 1–${MAX_TOKEN_LENGTH} characters of letters, digits and . _ ~ -. Choose another token or leave it empty to get a random one.`,
    );
  }
  if (exposedToLan && token.length < MIN_LAN_TOKEN_LENGTH) {
    throw new EarshotError(
      'CAPTIONS_TOKEN_INVALID',
      `A captions server open to the network needs a token of at least ${MIN_LAN_TOKEN_LENGTH} characters. Choose a longer token or leave it empty to get a random one.`,
    );
  }
}

/** The token a request offers: `?token=T`, or the subprotocol `earshot-token.T` for browsers. */
export function tokenFromRequest(req: IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) return fromQuery;
  for (const protocol of offeredSubprotocols(req)) {
    if (protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  }
  return null;
}

export function offeredSubprotocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Compares digests so neither the length nor the content of the token leaks through timing. */
export function tokenMatches(expected: string, offered: string | null): boolean {
  if (offered === null) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(offered).digest();
  return timingSafeEqual(a, b);
}
