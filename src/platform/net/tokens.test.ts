import { describe, expect, it } from 'vitest';
import { generateToken } from './tokens.ts';

describe('generateToken', () => {
  it('makes 24 random bytes in base64url by default: 32 characters safe in URLs and subprotocols', () => {
    const a = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generateToken()).not.toBe(a);
  });

  it('takes the number of bytes and the encoding a server wants', () => {
    expect(generateToken({ bytes: 18 })).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generateToken({ bytes: 32, encoding: 'hex' })).toMatch(/^[0-9a-f]{64}$/);
  });
});
