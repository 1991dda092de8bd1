import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { electronMock, MockBrowserWindow, mockEvent, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { REPO_ROOT } from '../../tests/helpers/paths.ts';
import { buildCsp } from '../shared/csp.ts';
import { fileRenderer } from './shell/renderer-location.ts';
import { setupContentSecurity, setupSessionSecurity } from './security.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const RENDERER = 'file:///app/out/renderer/index.html';
const renderer = fileRenderer(RENDERER);

beforeEach(() => resetElectronMock());

describe('session security', () => {
  beforeEach(() => setupSessionSecurity(electronMock.session.defaultSession as unknown as Session, renderer));

  it('adds the strict CSP to every response, keeping the other headers', async () => {
    const headers = await electronMock.session.defaultSession.respond('http://localhost/x', {
      'Content-Type': ['text/html'],
    });
    expect(headers?.['Content-Type']).toEqual(['text/html']);
    expect(headers?.['Content-Security-Policy']?.[0]).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(headers?.['X-Content-Type-Options']).toEqual(['nosniff']);
  });

  it('sends the one renderer policy, and index.html’s meta tag says the same for file:// pages', async () => {
    const headers = await electronMock.session.defaultSession.respond('http://localhost/x', {});
    expect(headers?.['Content-Security-Policy']).toEqual([buildCsp()]);
    // electron-vite copies this tag into out/renderer/index.html unchanged.
    const html = readFileSync(join(REPO_ROOT, 'src', 'renderer', 'index.html'), 'utf8');
    const tags = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/gi)];
    expect(tags).toHaveLength(1);
    expect(tags[0]![1]).toBe(buildCsp({ delivery: 'meta' }));
  });

  it('denies every permission request and check (capture is native)', async () => {
    const { permissionRequestHandler, permissionCheckHandler, devicePermissionHandler } =
      electronMock.session.defaultSession;
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'hid']) {
      const granted = await new Promise<boolean>((resolve) => permissionRequestHandler!(null, permission, resolve));
      expect(granted, permission).toBe(false);
    }
    expect(permissionCheckHandler!(null, 'media', RENDERER, {})).toBe(false);
    expect(devicePermissionHandler!({ deviceType: 'usb', origin: RENDERER })).toBe(false);
  });

  it('blocks downloads from the network', () => {
    const event = mockEvent();
    electronMock.session.defaultSession.emit('will-download', event, { getURL: () => 'https://x/y.exe' });
    expect(event.defaultPrevented).toBe(true);
  });

  it('lets the renderer save its own exports (Blob links), leaving the save dialog to Electron', () => {
    const event = mockEvent();
    electronMock.session.defaultSession.emit('will-download', event, { getURL: () => 'blob:file:///4c1e2f0a-1b2c' });
    expect(event.defaultPrevented).toBe(false);
  });
});

describe('content security', () => {
  let win: MockBrowserWindow;

  beforeEach(async () => {
    setupContentSecurity(renderer);
    win = new MockBrowserWindow({});
    await win.loadURL(RENDERER);
  });

  it('lets our own page load and blocks navigating anywhere else', () => {
    expect(win.webContents.tryNavigate(`${RENDERER}#/history`)).toBe(false);
    expect(win.webContents.tryNavigate('file:///etc/passwd')).toBe(true);
    expect(win.webContents.tryNavigate('https://evil.example/')).toBe(true);
  });

  it('blocks a navigation to a malformed URL (bad % escapes) instead of letting it through', () => {
    // decodeURIComponent throws URIError on these; the guard must fail closed.
    for (const url of [
      'file:///app/out/renderer/index%E0%A4%A.html',
      'file:///app/out/renderer/%',
      'file:///app/out/renderer/index.html%zz',
      'http://[::1',
      '',
    ]) {
      expect(win.webContents.tryNavigate(url), url).toBe(true);
    }
    const redirect = mockEvent({ url: 'file:///app/out/renderer/%ZZindex.html' });
    win.webContents.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented).toBe(true);
    expect(electronMock.shell.opened).toEqual([]);
  });

  it('blocks a navigation event that carries no URL string at all', () => {
    const event = mockEvent({ url: undefined });
    win.webContents.emit('will-navigate', event);
    expect(event.defaultPrevented).toBe(true);
    expect(win.webContents.windowOpenHandler!({ url: undefined as unknown as string })).toEqual({ action: 'deny' });
  });

  it('opens a clicked web link in the browser, and nothing else', () => {
    win.webContents.tryNavigate('https://docs.example.com/help');
    expect(electronMock.shell.opened).toEqual(['https://docs.example.com/help']);
    win.webContents.tryNavigate('file:///etc/passwd');
    win.webContents.tryNavigate('smb://attacker/share');
    expect(electronMock.shell.opened).toEqual(['https://docs.example.com/help']);
  });

  it('denies every new window; web links go to the browser instead', () => {
    const handler = win.webContents.windowOpenHandler!;
    expect(handler({ url: 'https://platform.openai.com/api-keys' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(handler({ url: RENDERER })).toEqual({ action: 'deny' });
    expect(electronMock.shell.opened).toEqual(['https://platform.openai.com/api-keys']);
  });

  it('blocks redirects away from our page and any <webview>', () => {
    const redirect = mockEvent({ url: 'https://evil.example/' });
    win.webContents.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented).toBe(true);
    const webview = mockEvent();
    win.webContents.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
  });
});
