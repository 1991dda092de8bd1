import { app } from 'electron';
import { join, resolve } from 'node:path';
import type { AppCore } from '../core/app/types.ts';
import { createLogger } from '../platform/log/logger.ts';
import { QUIT_BUDGET_MS } from '../shared/quit-budget.ts';
import type { RotatingFile } from '../platform/log/rotating-file.ts';
import type { ShortcutController } from './shortcut.ts';
import type { TrayController } from './tray.ts';
import type { MainWindow } from './window.ts';

const log = createLogger('lifecycle');

/**
 * Settings, keys, history and models live in `<appData>/earshot` whatever the build calls
 * itself (productName "Earshot", or "Electron" when run bare), which is also the folder
 * `earshot ui` uses, so both front ends share them. EARSHOT_USER_DATA_DIR points elsewhere
 * (tests, a portable install). Runs before anything reads a path or takes the instance lock.
 */
export function setupUserDataDir(): void {
  const dir = process.env['EARSHOT_USER_DATA_DIR'];
  app.setPath('userData', dir ? resolve(dir) : join(app.getPath('appData'), 'earshot'));
}

/**
 * On Windows the AppUserModelID (electron-builder's appId) makes the taskbar group Earshot's
 * windows and attribute its notifications to "Earshot" rather than to electron.exe.
 */
export function setupAppIdentity(): void {
  if (process.platform === 'win32') app.setAppUserModelId('app.earshot.desktop');
}

/** One Earshot per user: a second launch just brings the first one's window forward. */
export function setupSingleInstance(onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => onSecondInstance());
  // macOS: clicking the dock icon of a running app.
  app.on('activate', () => onSecondInstance());
  return true;
}

export interface QuitParts {
  readonly core: AppCore;
  readonly window: MainWindow;
  readonly tray: TrayController;
  readonly shortcut: ShortcutController;
  readonly logFile: RotatingFile;
}

/**
 * How long past the quit budget Electron still waits for the core. The core keeps its own
 * deadline; this only ends a quit that something hung regardless.
 */
export const QUIT_BACKSTOP_MS = 1_000;

/**
 * Quitting (menu, tray, OS logout) stops the session within the quit budget: its drain as long
 * as the budget allows, then the words on screen journaled and the journal sealed, then the
 * child processes, then Electron. Closing the window is not quitting: it hides to the tray, so
 * window-all-closed must not end the app.
 */
export function setupQuit(parts: QuitParts): void {
  let disposed = false;
  let quitting = false;
  app.on('window-all-closed', () => log.debug('all windows closed; still running in the tray'));
  app.on('before-quit', () => parts.window.allowClose());
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    // Asked again while saving (a second Quit, the OS insisting): the first quit's deadline stands.
    if (quitting) return;
    quitting = true;
    parts.shortcut.dispose();
    const deadline = Date.now() + QUIT_BUDGET_MS;
    const backstopMs = QUIT_BUDGET_MS + QUIT_BACKSTOP_MS;
    const backstop = new Promise<void>((resolveTimeout) => setTimeout(resolveTimeout, backstopMs).unref());
    Promise.race([
      parts.core.dispose({ deadline }),
      backstop.then(() => log.warn(`shutdown took over ${backstopMs} ms; quitting anyway`)),
    ])
      .catch((error: unknown) => log.error('error while shutting down', error))
      .finally(() => {
        disposed = true;
        parts.tray.destroy();
        log.info('bye');
        parts.logFile.close();
        app.quit();
      });
  });
}
