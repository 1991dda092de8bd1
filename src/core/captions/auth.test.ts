import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostAllowed } from '../../platform/net/host-guard.ts';
import { captionsTokenFrom, generateCaptionsToken, isAuthorized, validateToken } from './auth.ts';
import { captionsHostRule, displayHost } from './network.ts';

function request(url: string, protocols?: string): IncomingMessage {
  const headers = protocols === undefined ? {} : { 'sec-websocket-protocol': protocols };
  return { url, headers } as IncomingMessage;
}

describe('tokens', () => {
  it('generates unguessable tokens that are safe in URLs and subprotocols', () => {
    const a = generateCaptionsToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generateCaptionsToken()).not.toBe(a);
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
    expect(captionsTokenFrom(request('/captions?token=abc'))).toBe('abc');
    expect(captionsTokenFrom(request('/captions', 'earshot-captions, earshot-token.xyz'))).toBe('xyz');
    expect(captionsTokenFrom(request('/captions', 'earshot-captions'))).toBeNull();
    expect(captionsTokenFrom(request('/captions'))).toBeNull();
  });

  it('compares tokens exactly', () => {
    expect(isAuthorized(request('/captions?token=secret-token'), 'secret-token')).toBe(true);
    expect(isAuthorized(request('/captions?token=secret-tokeN'), 'secret-token')).toBe(false);
    expect(isAuthorized(request('/captions?token=secret'), 'secret-token')).toBe(false);
    expect(isAuthorized(request('/captions'), 'secret-token')).toBe(false);
  });
});

describe('network', () => {
  const loopback = captionsHostRule('127.0.0.1');
  const allows = (host: string | undefined, rule = loopback): boolean =>
    hostAllowed({ headers: host === undefined ? {} : { host } } as IncomingMessage, rule);

  it('accepts only loopback Host headers on a loopback server (DNS rebinding)', () => {
    expect(allows('127.0.0.1:8080')).toBe(true);
    expect(allows('localhost:8080')).toBe(true);
    expect(allows('[::1]:8080')).toBe(true);
    expect(allows(undefined)).toBe(true);
    expect(allows('evil.example:8080')).toBe(false);
    expect(allows('127.0.0.1.evil.example')).toBe(false);
  });

  it('answers any name when open to the LAN', () => {
    expect(allows('my-laptop.local:8080', captionsHostRule('0.0.0.0'))).toBe(true);
    expect(allows('my-laptop.local:8080', captionsHostRule('192.168.1.2'))).toBe(true);
  });

  it('replaces wildcards with a reachable address in URLs', () => {
    expect(displayHost('127.0.0.1')).toBe('127.0.0.1');
    expect(displayHost('0.0.0.0')).not.toBe('0.0.0.0');
  });
});
