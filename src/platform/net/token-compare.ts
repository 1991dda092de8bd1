import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a client presented the server's token. Compares SHA-256 digests in constant time,
 * so neither the content nor the length of the token leaks through timing. Nothing presented
 * (null) never matches, not even an empty token.
 */
export function tokenMatches(presented: string | null, expected: string): boolean {
  const a = createHash('sha256')
    .update(presented ?? '', 'utf8')
    .digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && presented !== null;
}
