import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type MockBrowserWindow, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { fileRenderer } from './shell/renderer-location.ts';
import { buildWindowOptions, createMainWindow } from './window.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const renderer = fileRenderer('file:///app/out/renderer/index.html');

beforeEach(() => resetElectronMock());

describe('buildWindowOptions', () => {
  it('isolates and sandboxes the renderer, with the preload as its only bridge', () => {
    const options = buildWindowOptions({ preloadPath: '/app/out/preload/index.cjs', devTools: false });
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
    // Nothing that would loosen it may sneak in.
    const prefs = options.webPreferences as Record<string, unknown>;
    expect(prefs['enableBlinkFeatures']).toBeUndefined();
    expect(prefs['additionalArguments']).toBeUndefined();
    expect(prefs['partition']).toBeUndefined();
  });

  it('starts hidden so nothing flashes before the first paint', () => {
    expect(buildWindowOptions({ preloadPath: '/p', devTools: true }).show).toBe(false);
  });
});

describe('createMainWindow', () => {
  const create = (showWhenReady: boolean) =>
    createMainWindow({ preloadPath: '/p.cjs', devTools: false, renderer, showWhenReady });

  it('loads our renderer and shows itself once painted', () => {
    const main = create(true);
    const win = main.window as unknown as MockBrowserWindow;
    expect(win.webContents.getURL()).toBe('file:///app/out/renderer/index.html');
    expect(win.isVisible()).toBe(false);
    win.becomeReady();
    expect(win.isVisible()).toBe(true);
  });

  it('stays hidden when asked to start hidden, until shown', () => {
    const main = create(false);
    const win = main.window as unknown as MockBrowserWindow;
    win.becomeReady();
    expect(win.isVisible()).toBe(false);
    main.show();
    expect(win.isVisible()).toBe(true);
    expect(win.focused).toBe(true);
  });

  it('hides to the tray when closed, and really closes once quitting', () => {
    const main = create(true);
    const win = main.window as unknown as MockBrowserWindow;
    win.becomeReady();
    win.close();
    expect(win.isDestroyed()).toBe(false);
    expect(win.isVisible()).toBe(false);
    main.allowClose();
    win.close();
    expect(win.isDestroyed()).toBe(true);
  });

  it('reloads a renderer that crashed, but not one that exited cleanly', () => {
    const win = create(true).window as unknown as MockBrowserWindow;
    win.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(win.webContents.reloads).toBe(1);
    win.webContents.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    expect(win.webContents.reloads).toBe(1);
  });

  it('opens where it was last time, maximized if it was', () => {
    const bounds = { x: 40, y: 50, width: 1000, height: 700, maximized: true };
    const win = createMainWindow({ preloadPath: '/p.cjs', devTools: false, renderer, showWhenReady: true, bounds })
      .window as unknown as MockBrowserWindow;
    expect(win.options).toMatchObject({ x: 40, y: 50, width: 1000, height: 700 });
    expect(win.isMaximized()).toBe(true);
  });

  it('reports its bounds once a move or resize settles, and at once when closed', () => {
    vi.useFakeTimers();
    try {
      const onBoundsChanged = vi.fn();
      const win = createMainWindow({
        preloadPath: '/p.cjs',
        devTools: false,
        renderer,
        showWhenReady: true,
        onBoundsChanged,
      }).window as unknown as MockBrowserWindow;
      win.setBoundsByUser({ x: 1, y: 2, width: 900, height: 650 });
      win.setBoundsByUser({ x: 5, y: 6, width: 910, height: 660 });
      expect(onBoundsChanged).not.toHaveBeenCalled();
      vi.advanceTimersByTime(600);
      expect(onBoundsChanged).toHaveBeenCalledExactlyOnceWith({
        x: 5,
        y: 6,
        width: 910,
        height: 660,
        maximized: false,
      });
      win.setBoundsByUser({ x: 7, y: 8, width: 920, height: 670 });
      win.close();
      expect(onBoundsChanged).toHaveBeenLastCalledWith({ x: 7, y: 8, width: 920, height: 670, maximized: false });
    } finally {
      vi.useRealTimers();
    }
  });
});
