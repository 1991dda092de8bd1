import { describe, expect, it } from 'vitest';
import { buildCsp, formatCsp } from './csp.ts';

describe('buildCsp', () => {
  it('leaves frame-ancestors out of the meta tag, where browsers ignore it, and only that', () => {
    const header = buildCsp();
    expect(header).toMatch(/; frame-ancestors 'none'$/);
    expect(buildCsp({ delivery: 'meta' })).toBe(header.replace("; frame-ancestors 'none'", ''));
  });

  it('allows connections to its own origin only, which covers the web bridge socket', () => {
    expect(buildCsp()).toContain("connect-src 'self';");
    expect(buildCsp()).not.toMatch(/connect-src[^;]*(ws:|wss:|\*)/);
  });
});

describe('formatCsp', () => {
  it('writes directives in order, sources separated by spaces', () => {
    expect(formatCsp({ 'default-src': ["'none'"], 'img-src': ["'self'", 'data:'] })).toBe(
      "default-src 'none'; img-src 'self' data:",
    );
  });
});
