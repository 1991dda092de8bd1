import { app, ipcMain, net, powerMonitor, session } from 'electron';
import type { AppCore } from '../core/app/types.ts';
import { createLogger } from '../platform/log/logger.ts';
import { holdYoungGeneration } from '../platform/memory/young-generation.ts';
import type { SessionSnapshot } from '../shared/session.ts';
import type { Settings } from '../shared/settings.ts';
import { setupAppCore } from './app-core.ts';
import { resolveAppPaths } from './app-paths.ts';
import { createEngineWatch } from './engine-watch.ts';
import { setupIpc } from './ipc.ts';
import { setupAppIdentity, setupQuit, setupSingleInstance, setupUserDataDir } from './lifecycle.ts';
import { setupLogging } from './logging.ts';
import { setupPowerEvents } from './power-events.ts';
import { applyStartAtLogin } from './login-item.ts';
import { setupContentSecurity, setupSessionSecurity } from './security.ts';
import { setupGlobalShortcut, type ShortcutStatus } from './shortcut.ts';
import { setupTray } from './tray.ts';
import { setupWindowState } from './window-state.ts';
import { createMainWindow, type MainWindow } from './window.ts';

/**
 * The composition root: a flat list of setupX() calls, one per feature. Everything with
 * logic lives in src/core (Electron-free, tested in Node) or in the small src/main modules.
 */
const log = createLogger('main');
let mainWindow: MainWindow | null = null;

holdYoungGeneration(); // a long session's memory stays flat (platform/memory/young-generation.ts)
setupUserDataDir();
const logFile = setupLogging();
setupAppIdentity();
app.enableSandbox();

/** Settles when the app is up (or failed to start); the composition test waits on it. */
export const started: Promise<void> = setupSingleInstance(() => mainWindow?.show())
  ? start().catch((error: unknown) => {
      log.error('Earshot failed to start', error);
      app.exit(1);
    })
  : Promise.resolve();

async function start(): Promise<void> {
  await app.whenReady();
  const paths = resolveAppPaths();
  setupSessionSecurity(session.defaultSession, paths.renderer);
  setupContentSecurity(paths.renderer);

  const engineWatch = createEngineWatch();
  const core = await setupAppCore(paths, engineWatch);
  const ipc = setupIpc({ ipcMain, handlers: core.handlers, renderer: paths.renderer });
  const settings = await core.handlers['settings.get'](undefined);
  const windowState = await setupWindowState();

  const window = createMainWindow({
    preloadPath: paths.preload,
    iconPath: paths.appIcon,
    renderer: paths.renderer,
    devTools: !app.isPackaged,
    showWhenReady: !settings.startHidden,
    bounds: windowState.initial,
    onBoundsChanged: (bounds) => windowState.save(bounds),
    logFile: logFile.path,
  });
  mainWindow = window;
  ipc.trackWindow(window.window.webContents);

  const toggle = (): void => toggleSession(core);
  const tray = setupTray({
    resourcesDir: paths.resourcesDir,
    onToggle: toggle,
    onShowWindow: () => window.show(),
    onQuit: () => app.quit(),
  });
  const shortcut = setupGlobalShortcut(settings.globalShortcut, toggle);
  const showShortcutProblem = (status: ShortcutStatus): void =>
    tray.setNotice(status.state === 'failed' ? `Shortcut ${status.accelerator} not set: ${status.reason}` : null);
  showShortcutProblem(shortcut.status);
  engineWatch.onNotice((notice) => tray.setEngineNotice(notice));
  void applyStartAtLogin(settings.startAtLogin);

  core.subscribe(ipc.send);
  let current: Settings = settings;
  core.subscribe((event, payload) => {
    if (event === 'status') tray.update(payload as SessionSnapshot);
    if (event === 'settings') {
      const next = payload as Settings;
      showShortcutProblem(shortcut.apply(next.globalShortcut));
      if (next.startAtLogin !== current.startAtLogin) void applyStartAtLogin(next.startAtLogin);
      current = next;
    }
  });
  setupPowerEvents({ powerMonitor, net }, () => core.retryNow?.());
  setupQuit({ core, window, tray, shortcut, logFile });
  exposeForEndToEndTests(() => ({ tray: tray.describe(), shortcut: shortcut.status }));
  log.info('ready');
}

/** Tray and shortcut toggle listening; a failure shows up in the status snapshot, and in the log. */
function toggleSession(core: AppCore): void {
  Promise.resolve(core.handlers['session.toggle'](undefined)).catch((error: unknown) =>
    log.warn('start/stop from the tray or shortcut failed', error),
  );
}

/** Playwright can reach main's globals, not our objects: with EARSHOT_E2E=1 a read-only view is published. */
function exposeForEndToEndTests(describe: () => unknown): void {
  if (process.env['EARSHOT_E2E'] !== '1') return;
  Object.defineProperty(globalThis, '__earshotE2E', { value: Object.freeze({ describe }), enumerable: false });
}
