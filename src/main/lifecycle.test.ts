import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { electronMock, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import type { AppCore } from '../core/app/types.ts';
import { type RotatingFile } from '../platform/log/rotating-file.ts';
import { QUIT_BUDGET_MS } from '../shared/quit-budget.ts';
import { QUIT_BACKSTOP_MS, setupQuit, setupSingleInstance, setupUserDataDir } from './lifecycle.ts';
import type { ShortcutController } from './shortcut.ts';
import type { TrayController } from './tray.ts';
import type { MainWindow } from './window.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

beforeEach(() => resetElectronMock());

describe('single instance', () => {
  it('quits a second launch and brings the first window forward instead', () => {
    const show = vi.fn();
    electronMock.app.hasSingleInstanceLock = false;
    expect(setupSingleInstance(show)).toBe(false);
    expect(electronMock.app.quitCalls).toBe(1);

    resetElectronMock();
    expect(setupSingleInstance(show)).toBe(true);
    electronMock.app.emit('second-instance', {}, ['earshot'], '/');
    expect(show).toHaveBeenCalledOnce();
  });

  it('keeps its data in <appData>/earshot, the folder `earshot ui` shares, unless told otherwise', () => {
    electronMock.app.setPath('appData', '/home/me/.config');
    vi.stubEnv('EARSHOT_USER_DATA_DIR', '');
    setupUserDataDir();
    expect(electronMock.app.getPath('userData')).toBe(join('/home/me/.config', 'earshot'));
    vi.stubEnv('EARSHOT_USER_DATA_DIR', '/tmp/earshot-profile');
    setupUserDataDir();
    expect(electronMock.app.getPath('userData')).toBe(resolve('/tmp/earshot-profile'));
    vi.unstubAllEnvs();
  });
});

describe('quitting', () => {
  it('stops the core (its drain) before Electron quits, and lets the window close', async () => {
    let finishDispose: () => void = () => {};
    const core = {
      dispose: vi.fn(() => new Promise<void>((resolve) => (finishDispose = resolve))),
    } as unknown as AppCore;
    const window = { allowClose: vi.fn(), show: vi.fn() } as unknown as MainWindow;
    const tray = { destroy: vi.fn() } as unknown as TrayController;
    const shortcut = { dispose: vi.fn() } as unknown as ShortcutController;
    const logFile = { close: vi.fn() } as unknown as RotatingFile;
    setupQuit({ core, window, tray, shortcut, logFile });
    const quit = new Promise<void>((resolve) => electronMock.app.once('quit', () => resolve()));

    electronMock.app.quit();
    expect(window.allowClose).toHaveBeenCalled();
    expect(core.dispose).toHaveBeenCalledOnce();
    expect(shortcut.dispose).toHaveBeenCalledOnce();
    expect(tray.destroy).not.toHaveBeenCalled();

    finishDispose();
    await quit;
    expect(tray.destroy).toHaveBeenCalledOnce();
    expect(logFile.close).toHaveBeenCalled();
    expect(electronMock.app.quitCalls).toBe(2);
  });

  it('gives the core the quit budget as its deadline, and a second quit while saving changes nothing', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const parts = quitParts(() => new Promise<void>(() => {}));
      setupQuit(parts);
      electronMock.app.quit();
      expect(parts.core.dispose).toHaveBeenCalledWith({ deadline: 1_000_000 + QUIT_BUDGET_MS });
      vi.advanceTimersByTime(QUIT_BUDGET_MS / 2);
      electronMock.app.quit();
      expect(parts.core.dispose).toHaveBeenCalledOnce();
      expect(parts.shortcut.dispose).toHaveBeenCalledOnce();
    } finally {
      vi.useRealTimers();
    }
  });

  it('quits anyway shortly after the budget when the core hangs past its own deadline', async () => {
    vi.useFakeTimers();
    try {
      const parts = quitParts(() => new Promise<void>(() => {}));
      setupQuit(parts);
      const quit = new Promise<void>((resolve) => electronMock.app.once('quit', () => resolve()));
      electronMock.app.quit();
      await vi.advanceTimersByTimeAsync(QUIT_BUDGET_MS + QUIT_BACKSTOP_MS - 1);
      expect(parts.tray.destroy).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      await quit;
      expect(parts.tray.destroy).toHaveBeenCalledOnce();
      expect(parts.logFile.close).toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});

function quitParts(dispose: () => Promise<void>): {
  core: AppCore;
  window: MainWindow;
  tray: TrayController;
  shortcut: ShortcutController;
  logFile: RotatingFile;
} {
  return {
    core: { dispose: vi.fn(dispose) } as unknown as AppCore,
    window: { allowClose: vi.fn(), show: vi.fn() } as unknown as MainWindow,
    tray: { destroy: vi.fn() } as unknown as TrayController,
    shortcut: { dispose: vi.fn() } as unknown as ShortcutController,
    logFile: { close: vi.fn() } as unknown as RotatingFile,
  };
}
