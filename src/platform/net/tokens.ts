import { randomBytes } from 'node:crypto';

/**
 * Bearer secrets for Earshot's local servers (engine, captions, web bridge). Both encodings
 * use only RFC 7230 token characters, so a token travels unchanged in a URL query, an
 * `Authorization` header and a `Sec-WebSocket-Protocol` entry.
 */
export interface TokenShape {
  /** Random bytes before encoding; 16 or more cannot be guessed. */
  readonly bytes?: number;
  readonly encoding?: 'base64url' | 'hex';
}

export function generateToken({ bytes = 24, encoding = 'base64url' }: TokenShape = {}): string {
  return randomBytes(bytes).toString(encoding);
}
