import { describe, expect, it } from 'vitest';
import { buildCsp } from '../../shared/csp.ts';
import { devServerRenderer, fileRenderer, isExternalUrlAllowed, isOwnRendererUrl } from './renderer-location.ts';

const file = fileRenderer('file:///opt/Earshot/resources/app.asar/out/renderer/index.html');
const dev = devServerRenderer('http://localhost:5173/');

describe('isOwnRendererUrl', () => {
  it('accepts our index file (with a hash or query) and nothing else on file://', () => {
    expect(isOwnRendererUrl('file:///opt/Earshot/resources/app.asar/out/renderer/index.html', file)).toBe(true);
    expect(isOwnRendererUrl('file:///opt/Earshot/resources/app.asar/out/renderer/index.html#/history?x=1', file)).toBe(
      true,
    );
    expect(isOwnRendererUrl('file:///opt/Earshot/resources/app.asar/out/renderer/other.html', file)).toBe(false);
    expect(isOwnRendererUrl('file:///tmp/evil/index.html', file)).toBe(false);
    expect(isOwnRendererUrl('file://host/opt/Earshot/resources/app.asar/out/renderer/index.html', file)).toBe(false);
    expect(isOwnRendererUrl('https://example.com/out/renderer/index.html', file)).toBe(false);
    expect(isOwnRendererUrl('not a url', file)).toBe(false);
  });

  it('treats malformed URLs and % escapes as foreign, never throwing', () => {
    for (const url of [
      'file:///opt/Earshot/resources/app.asar/out/renderer/index%E0%A4%A.html',
      'file:///opt/Earshot/resources/app.asar/out/renderer/%',
      'file:///opt/Earshot/resources/app.asar/out/renderer/index.html%zz',
      '%',
      '',
    ]) {
      expect(() => isOwnRendererUrl(url, file), url).not.toThrow();
      expect(isOwnRendererUrl(url, file), url).toBe(false);
    }
    expect(isOwnRendererUrl(undefined, file)).toBe(false);
    expect(isOwnRendererUrl(42, dev)).toBe(false);
    expect(isExternalUrlAllowed(undefined)).toBe(false);
  });

  it('accepts the dev server origin only', () => {
    expect(isOwnRendererUrl('http://localhost:5173/src/App.svelte', dev)).toBe(true);
    expect(isOwnRendererUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isOwnRendererUrl('http://127.0.0.1:5173/', dev)).toBe(false);
    expect(isOwnRendererUrl('file:///opt/Earshot/resources/app.asar/out/renderer/index.html', dev)).toBe(false);
  });

  it('refuses a dev server that is not on loopback', () => {
    expect(() => devServerRenderer('http://evil.example:5173/')).toThrow('loopback');
    expect(() => devServerRenderer('file:///x')).toThrow('loopback');
  });
});

describe('isExternalUrlAllowed', () => {
  it('opens only http(s) web links', () => {
    expect(isExternalUrlAllowed('https://platform.openai.com/api-keys')).toBe(true);
    expect(isExternalUrlAllowed('http://example.com')).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'smb://host/share',
      'javascript:alert(1)',
      'ms-msdt:/id',
      'https://user:pw@example.com',
      'nonsense',
    ]) {
      expect(isExternalUrlAllowed(url), url).toBe(false);
    }
  });
});

describe('buildCsp', () => {
  it('allows no network, no inline script, no framing for the packaged renderer', () => {
    const csp = buildCsp();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it('adds only the dev server’s hot-reload socket in development', () => {
    expect(buildCsp({ devServerOrigin: dev.kind === 'dev-server' ? dev.origin : '' })).toContain(
      "connect-src 'self' ws://localhost:5173;",
    );
  });
});
