import { describe, expect, it } from 'vitest';
import { hostPort } from './url-host.ts';

describe('hostPort', () => {
  it('brackets IPv6 literals, given bare or bracketed, and leaves names and IPv4 alone', () => {
    expect(hostPort('127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(hostPort('::1', 80)).toBe('[::1]:80');
    expect(hostPort('[::1]', 80)).toBe('[::1]:80');
    expect(hostPort('localhost', 8080)).toBe('localhost:8080');
  });
});
