import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The subprotocol browsers use to carry the key, since they cannot set headers. */
export const KEY_PROTOCOL_PREFIX = 'openai-insecure-api-key.';
export const REALTIME_PROTOCOL = 'realtime';

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token a client presented: `Authorization: Bearer …` or the key-bearing subprotocol. */
export function presentedToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1]!;
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const entry of protocols.split(',')) {
      const value = entry.trim();
      if (value.startsWith(KEY_PROTOCOL_PREFIX)) return value.slice(KEY_PROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/** Compares digests so neither the content nor the length of the token leaks through timing. */
export function tokenMatches(presented: string | null, expected: string): boolean {
  const a = createHash('sha256')
    .update(presented ?? '')
    .digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && presented !== null;
}

/** Picks `realtime` when offered and never echoes the entry that carries the key. */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(REALTIME_PROTOCOL)) return REALTIME_PROTOCOL;
  for (const p of protocols) if (!p.startsWith(KEY_PROTOCOL_PREFIX)) return p;
  return false;
}
