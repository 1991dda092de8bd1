import type { IncomingMessage } from 'node:http';
import { EarshotError } from '../../shared/errors.ts';
import { presentedToken } from '../../platform/net/presented-token.ts';
import { tokenMatches } from '../../platform/net/token-compare.ts';
import { generateToken } from '../../platform/net/tokens.ts';
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

/** 24 characters: long enough for LAN exposure, short enough for an overlay URL a person copies. */
export function generateCaptionsToken(): string {
  return generateToken({ bytes: 18 });
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

/** The token a request offers: `?token=T` (the overlay URL), or the subprotocol `earshot-token.T` for browsers. */
export function captionsTokenFrom(req: IncomingMessage): string | null {
  return presentedToken(req, { queryParameter: 'token', subprotocolPrefix: TOKEN_SUBPROTOCOL_PREFIX });
}

export function isAuthorized(req: IncomingMessage, token: string): boolean {
  return tokenMatches(captionsTokenFrom(req), token);
}
