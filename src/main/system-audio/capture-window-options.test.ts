import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCaptureCsp } from '../../shared/system-audio/capture-csp.ts';
import { fileRenderer, devServerRenderer } from '../shell/renderer-location.ts';
import {
  buildCaptureWindowOptions,
  CAPTURE_PARTITION,
  captureWindowUrl,
  decideDisplayMedia,
  type ScreenSource,
} from './capture-window-options.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const screens: ScreenSource[] = [
  { id: 'window:42:0', name: 'Zoom Meeting' },
  { id: 'screen:1:0', name: 'Entire Screen' },
  { id: 'screen:2:0', name: 'Screen 2' },
];

describe('buildCaptureWindowOptions', () => {
  it('makes a hidden, isolated, sandboxed window in its own in-memory session with only its preload', () => {
    const options = buildCaptureWindowOptions('/app/out/preload/system-audio.cjs');
    expect(options.show).toBe(false);
    expect(options.skipTaskbar).toBe(true);
    expect(options.focusable).toBe(false);
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/system-audio.cjs',
      partition: CAPTURE_PARTITION,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
      backgroundThrottling: false,
    });
    // In memory: a `persist:` partition would keep the grant's state on disk.
    expect(CAPTURE_PARTITION.startsWith('persist:')).toBe(false);
  });
});

describe('captureWindowUrl', () => {
  it('puts the capture page beside the main renderer, built or served', () => {
    expect(captureWindowUrl(fileRenderer('file:///app/out/renderer/index.html'))).toBe(
      'file:///app/out/renderer/system-audio/index.html',
    );
    expect(captureWindowUrl(devServerRenderer('http://localhost:5173/'))).toBe(
      'http://localhost:5173/system-audio/index.html',
    );
  });
});

describe('decideDisplayMedia', () => {
  it('grants the capture page the first screen with loopback audio (never loopbackWithMute)', () => {
    expect(decideDisplayMedia({ fromCapturePage: true, audioRequested: true, screens })).toEqual({
      grant: true,
      screen: screens[1],
      audio: 'loopback',
    });
  });

  it('refuses anyone else, a request without audio, and a machine with no screen source', () => {
    const refused = [
      decideDisplayMedia({ fromCapturePage: false, audioRequested: true, screens }),
      decideDisplayMedia({ fromCapturePage: true, audioRequested: false, screens }),
      decideDisplayMedia({ fromCapturePage: true, audioRequested: true, screens: [screens[0]!] }),
      decideDisplayMedia({ fromCapturePage: true, audioRequested: true, screens: [] }),
    ];
    expect(refused.map((d) => d.grant)).toEqual([false, false, false, false]);
  });
});

describe('the capture page policy', () => {
  it('allows only its own scripts (page and worklet) and no network; the meta tag says the same', () => {
    const header = buildCaptureCsp('header');
    expect(header).toContain("default-src 'none'");
    expect(header).toContain("script-src 'self'");
    expect(header).toContain("connect-src 'none'");
    expect(header).toContain("frame-ancestors 'none'");
    expect(header).not.toMatch(/unsafe-(inline|eval)/);
    const html = readFileSync(join(REPO_ROOT, 'src', 'renderer', 'system-audio', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(buildCaptureCsp('meta'));
  });
});
