import { app, BrowserWindow, type BrowserWindowConstructorOptions } from 'electron';
import { createLogger } from '../core/log/logger.ts';
import type { RendererLocation } from '../core/shell/renderer-location.ts';

const log = createLogger('window');

export interface WindowOptionsInput {
  /** Absolute path of the built preload (out/preload/index.cjs). */
  readonly preloadPath: string;
  readonly iconPath?: string;
  /** DevTools only in development builds. */
  readonly devTools: boolean;
}

/**
 * The main window's options, as a pure function so the security settings are asserted by a
 * test: an isolated, sandboxed renderer with no Node, web security on, no webviews, and the
 * preload as its only bridge. Shown only when ready (no white flash) and when wanted.
 */
export function buildWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'Earshot',
    width: 960,
    height: 680,
    minWidth: 420,
    minHeight: 360,
    show: false,
    autoHideMenuBar: true,
    ...(input.iconPath ? { icon: input.iconPath } : {}),
    webPreferences: {
      preload: input.preloadPath,
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
      safeDialogs: true,
      spellcheck: false,
      devTools: input.devTools,
    },
  };
}

export interface MainWindowOptions extends WindowOptionsInput {
  readonly renderer: RendererLocation;
  /** Show the window as soon as it has painted (false: start hidden in the tray). */
  readonly showWhenReady: boolean;
}

export interface MainWindow {
  readonly window: BrowserWindow;
  show(): void;
  /** From now on closing really closes (set when the app quits). */
  allowClose(): void;
}

/** Creates the window. Closing it hides it to the tray; only quitting closes it. */
export function createMainWindow(options: MainWindowOptions): MainWindow {
  const window = new BrowserWindow(buildWindowOptions(options));
  let closing = false;

  window.once('ready-to-show', () => {
    if (options.showWhenReady) window.show();
  });
  window.on('close', (event) => {
    if (closing) return;
    event.preventDefault();
    window.hide();
    // macOS apps that live in the menu bar drop their dock icon while the window is hidden.
    if (process.platform === 'darwin') app.dock?.hide();
  });
  window.webContents.on('render-process-gone', (_event, details) => {
    log.error(`renderer gone (${details.reason}, exit code ${details.exitCode})`);
    if (details.reason !== 'clean-exit' && !window.isDestroyed()) window.webContents.reload();
  });

  window
    .loadURL(options.renderer.url)
    .catch((error: unknown) => log.error(`could not load the renderer from ${options.renderer.url}`, error));

  return {
    window,
    show: () => {
      if (window.isDestroyed()) return;
      if (process.platform === 'darwin') void app.dock?.show();
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    },
    allowClose: () => {
      closing = true;
    },
  };
}
