import { app, BrowserWindow, type BrowserWindowConstructorOptions } from 'electron';
import { createLogger } from '../platform/log/logger.ts';
import { setupRendererRecovery } from './renderer-recovery.ts';
import type { RendererLocation } from './shell/renderer-location.ts';
import type { ReloadPolicy } from './shell/renderer-reloads.ts';
import type { WindowBounds } from './shell/window-state.ts';

const log = createLogger('window');

export interface WindowOptionsInput {
  /** Absolute path of the built preload (out/preload/index.cjs). */
  readonly preloadPath: string;
  readonly iconPath?: string;
  /** DevTools only in development builds. */
  readonly devTools: boolean;
  /** Where the window was last time (already fitted to the current displays). */
  readonly bounds?: WindowBounds | null;
}

/**
 * The main window's options, as a pure function so the security settings are asserted by a
 * test: an isolated, sandboxed renderer with no Node, web security on, no webviews, and the
 * preload as its only bridge. Shown only when ready (no white flash) and when wanted.
 */
export function buildWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'Earshot',
    width: input.bounds?.width ?? 960,
    height: input.bounds?.height ?? 680,
    ...(input.bounds?.x !== undefined && input.bounds.y !== undefined ? { x: input.bounds.x, y: input.bounds.y } : {}),
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
  /** Told where the window is after a person moved or resized it (debounced), to remember it. */
  readonly onBoundsChanged?: (bounds: WindowBounds) => void;
  /** How often a crashed renderer is reloaded before the crash page shows (tests shorten it). */
  readonly reloadPolicy?: ReloadPolicy;
  /** Named on the crash page, so a person can attach it to a report. */
  readonly logFile?: string | null;
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
  if (options.bounds?.maximized) window.maximize();
  const rememberBounds = trackBounds(window, options.onBoundsChanged);

  window.once('ready-to-show', () => {
    if (options.showWhenReady) window.show();
  });
  window.on('close', (event) => {
    rememberBounds();
    if (closing) return;
    event.preventDefault();
    window.hide();
    // macOS apps that live in the menu bar drop their dock icon while the window is hidden.
    if (process.platform === 'darwin') app.dock?.hide();
  });
  setupRendererRecovery(window, {
    renderer: options.renderer,
    ...(options.reloadPolicy ? { policy: options.reloadPolicy } : {}),
    logFile: options.logFile ?? null,
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

/** Reports the window's normal (un-maximized) bounds after moves and resizes settle; returns a flush. */
function trackBounds(window: BrowserWindow, onChange: ((bounds: WindowBounds) => void) | undefined): () => void {
  if (!onChange) return () => {};
  let timer: NodeJS.Timeout | null = null;
  const report = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (window.isDestroyed()) return;
    const { x, y, width, height } = window.getNormalBounds();
    onChange({ x, y, width, height, maximized: window.isMaximized() });
  };
  const later = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(report, 500);
  };
  window.on('resize', later);
  window.on('move', later);
  window.on('maximize', later);
  window.on('unmaximize', later);
  return report;
}
