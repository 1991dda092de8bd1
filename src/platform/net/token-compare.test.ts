import { describe, expect, it } from 'vitest';
import { tokenMatches } from './token-compare.ts';

describe('tokenMatches', () => {
  it('accepts exactly the expected token', () => {
    expect(tokenMatches('secret-token', 'secret-token')).toBe(true);
    expect(tokenMatches('secret-tokeN', 'secret-token')).toBe(false);
    expect(tokenMatches('secret', 'secret-token')).toBe(false);
    expect(tokenMatches('secret-token-and-more', 'secret-token')).toBe(false);
  });

  it('never matches when nothing was presented, even against an empty token', () => {
    expect(tokenMatches(null, 'secret-token')).toBe(false);
    expect(tokenMatches(null, '')).toBe(false);
    expect(tokenMatches('', '')).toBe(true);
  });
});
