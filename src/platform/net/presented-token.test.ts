import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { offeredSubprotocols, presentedToken } from './presented-token.ts';

function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, headers } as unknown as IncomingMessage;
}

const subprotocolOnly = { subprotocolPrefix: 'key.' };

describe('presentedToken', () => {
  it('reads the token from the subprotocol entry with the prefix, never echoing the prefix', () => {
    expect(presentedToken(request('/', { 'sec-websocket-protocol': 'app, key.abc' }), subprotocolOnly)).toBe('abc');
    expect(presentedToken(request('/', { 'sec-websocket-protocol': 'app' }), subprotocolOnly)).toBeNull();
    expect(presentedToken(request('/'), subprotocolOnly)).toBeNull();
  });

  it('reads a Bearer header only when the server accepts one, and falls back to the subprotocol', () => {
    const bearer = { ...subprotocolOnly, bearer: true };
    expect(presentedToken(request('/', { authorization: 'Bearer abc' }), bearer)).toBe('abc');
    expect(presentedToken(request('/', { authorization: 'bearer  abc ' }), bearer)).toBe('abc');
    expect(presentedToken(request('/', { authorization: 'Bearer abc' }), subprotocolOnly)).toBeNull();
    const basic = request('/', { authorization: 'Basic abc', 'sec-websocket-protocol': 'key.xyz' });
    expect(presentedToken(basic, bearer)).toBe('xyz');
  });

  it('reads a query parameter only when the server accepts one, before the subprotocol', () => {
    const query = { ...subprotocolOnly, queryParameter: 'token' };
    expect(presentedToken(request('/captions?token=abc', { 'sec-websocket-protocol': 'key.xyz' }), query)).toBe('abc');
    expect(presentedToken(request('/captions?token='), query)).toBe('');
    expect(presentedToken(request('/captions', { 'sec-websocket-protocol': 'key.xyz' }), query)).toBe('xyz');
    expect(presentedToken(request('/captions?token=abc'), subprotocolOnly)).toBeNull();
  });
});

describe('offeredSubprotocols', () => {
  it('lists the offered entries trimmed, without empty ones', () => {
    expect(offeredSubprotocols(request('/', { 'sec-websocket-protocol': ' a , b,, c' }))).toEqual(['a', 'b', 'c']);
    expect(offeredSubprotocols(request('/'))).toEqual([]);
  });
});
