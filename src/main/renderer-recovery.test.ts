import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type MockBrowserWindow, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { RELOAD_FRAGMENT } from './shell/crash-page.ts';
import { fileRenderer } from './shell/renderer-location.ts';
import { createMainWindow } from './window.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const RENDERER = 'file:///app/out/renderer/index.html';
const renderer = fileRenderer(RENDERER);

beforeEach(() => resetElectronMock());

/** A main window whose reload budget is 2 per 10 s; the clock is the test's. */
function crashingWindow(): { win: MockBrowserWindow; clock: { now: number } } {
  vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
  const clock = { now: 1_000_000 };
  const win = createMainWindow({
    preloadPath: '/p.cjs',
    devTools: false,
    renderer,
    showWhenReady: true,
    reloadPolicy: { maxReloads: 2, windowMs: 10_000 },
    logFile: '/logs/earshot.log',
  }).window as unknown as MockBrowserWindow;
  return { win, clock };
}

describe('renderer crash recovery', () => {
  it('reloads a crashing renderer up to the budget, then shows the crash page instead', () => {
    const { win } = crashingWindow();
    try {
      win.webContents.goneWith('crashed');
      win.webContents.goneWith('crashed');
      expect(win.webContents.reloads).toBe(2);
      expect(win.webContents.getURL()).toBe(RENDERER);
      win.webContents.goneWith('crashed');
      expect(win.webContents.reloads).toBe(2);
      const page = win.webContents.getURL();
      expect(page).toMatch(/^data:text\/html;charset=utf-8;base64,/);
      const html = Buffer.from(page.slice(page.indexOf(',') + 1), 'base64').toString('utf8');
      expect(html).toContain('3 times in a row (crashed, exit code 139)');
      expect(html).toContain('/logs/earshot.log');
      // The crash page going away is not reloaded either: no loop.
      win.webContents.goneWith('crashed');
      expect(win.webContents.reloads).toBe(2);
      expect(win.webContents.getURL()).toBe(page);
    } finally {
      vi.useRealTimers();
    }
  });

  it('brings the app back when the person follows Reload, with a fresh budget', () => {
    const { win } = crashingWindow();
    try {
      for (let i = 0; i < 3; i += 1) win.webContents.goneWith('oom');
      const page = win.webContents.getURL();
      // Another fragment, or the same fragment on our own page, does nothing.
      win.webContents.navigateInPage(`${page}#elsewhere`);
      expect(win.webContents.getURL()).toBe(`${page}#elsewhere`);
      win.webContents.navigateInPage(`${page}${RELOAD_FRAGMENT}`);
      expect(win.webContents.getURL()).toBe(RENDERER);
      win.webContents.goneWith('crashed');
      expect(win.webContents.reloads).toBe(3);
      win.webContents.navigateInPage(`${RENDERER}${RELOAD_FRAGMENT}`);
      expect(win.webContents.getURL()).toBe(`${RENDERER}${RELOAD_FRAGMENT}`);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps reloading crashes that are spread out beyond the window', () => {
    const { win } = crashingWindow();
    try {
      for (let i = 0; i < 6; i += 1) {
        win.webContents.goneWith('crashed');
        vi.setSystemTime(Date.now() + 6_000);
      }
      expect(win.webContents.reloads).toBe(6);
      expect(win.webContents.getURL()).toBe(RENDERER);
    } finally {
      vi.useRealTimers();
    }
  });

  it('leaves a renderer that exited cleanly alone', () => {
    const { win } = crashingWindow();
    try {
      for (let i = 0; i < 5; i += 1) win.webContents.goneWith('clean-exit');
      expect(win.webContents.reloads).toBe(0);
      expect(win.webContents.getURL()).toBe(RENDERER);
    } finally {
      vi.useRealTimers();
    }
  });
});
