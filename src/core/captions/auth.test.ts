import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { generateToken, tokenFromRequest, tokenMatches, validateToken } from './auth.ts';
import { displayHost, hostPort, isAllowedHostHeader, isLoopbackHost } from './network.ts';

function request(url: string, protocols?: string): [IncomingMessage, URL] {
  const headers = protocols === undefined ? {} : { 'sec-websocket-protocol': protocols };
  return [{ headers } as IncomingMessage, new URL(url, 'http://x')];
}

describe('tokens', () => {
  it('generates unguessable tokens that are safe in URLs and subprotocols', () => {
    const a = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generateToken()).not.toBe(a);
    expect(() => validateToken(a, true)).not.toThrow();
  });

  it('rejects unusable tokens, and short ones when the server is open to the network', () => {
    for (const bad of ['', 'has space', 'comma,token', 'x'.repeat(129)]) {
      expect(() => validateToken(bad, false)).toThrow(expect.objectContaining({ code: 'CAPTIONS_TOKEN_INVALID' }));
    }
    expect(() => validateToken('short', false)).not.toThrow();
    expect(() => validateToken('short', true)).toThrow(/at least 16 characters/);
  });

  it('reads the token from the query or from the browser subprotocol', () => {
    expect(tokenFromRequest(...request('/captions?token=abc'))).toBe('abc');
    expect(tokenFromRequest(...request('/captions', 'earshot-captions, earshot-token.xyz'))).toBe('xyz');
    expect(tokenFromRequest(...request('/captions', 'earshot-captions'))).toBeNull();
    expect(tokenFromRequest(...request('/captions'))).toBeNull();
  });

  it('compares tokens exactly', () => {
    expect(tokenMatches('secret-token', 'secret-token')).toBe(true);
    expect(tokenMatches('secret-token', 'secret-tokeN')).toBe(false);
    expect(tokenMatches('secret-token', 'secret')).toBe(false);
    expect(tokenMatches('secret-token', null)).toBe(false);
  });
});

describe('network', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com', '128.0.0.1'])
      expect(isLoopbackHost(host)).toBe(false);
  });

  it('accepts only loopback Host headers on a loopback server (DNS rebinding)', () => {
    expect(isAllowedHostHeader('127.0.0.1:8080')).toBe(true);
    expect(isAllowedHostHeader('localhost:8080')).toBe(true);
    expect(isAllowedHostHeader('[::1]:8080')).toBe(true);
    expect(isAllowedHostHeader(undefined)).toBe(true);
    expect(isAllowedHostHeader('evil.example:8080')).toBe(false);
    expect(isAllowedHostHeader('127.0.0.1.evil.example')).toBe(false);
  });

  it('builds URL hosts, bracketing IPv6 and replacing wildcards with a reachable address', () => {
    expect(hostPort('127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(hostPort('::1', 80)).toBe('[::1]:80');
    expect(displayHost('127.0.0.1')).toBe('127.0.0.1');
    expect(displayHost('0.0.0.0')).not.toBe('0.0.0.0');
  });
});
