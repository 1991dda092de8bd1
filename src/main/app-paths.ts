import { app } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { devServerRenderer, fileRenderer, type RendererLocation } from './shell/renderer-location.ts';

export interface AppPaths {
  readonly preload: string;
  readonly renderer: RendererLocation;
  /** Tray icons and the window icon (resources/ in the repo, extraResources when packaged). */
  readonly resourcesDir: string;
  readonly appIcon: string;
  /** The utility-process entries electron-vite emits beside the main bundle. */
  readonly entries: { readonly capture: string; readonly engine: string; readonly decodeWorker: string };
}

/**
 * Where everything is at run time: electron-vite's out/ folder in the app (the project root in
 * development, app.asar when packaged) holds main/ (with the child entries), preload/ and
 * renderer/. Resolved from the app path rather than import.meta.url, which points into
 * whichever chunk the bundler put this code in.
 */
export function resolveAppPaths(): AppPaths {
  const mainDir = join(app.getAppPath(), 'out', 'main');
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  const renderer =
    !app.isPackaged && devUrl
      ? devServerRenderer(devUrl)
      : fileRenderer(pathToFileURL(join(mainDir, '..', 'renderer', 'index.html')).href);
  const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(app.getAppPath(), 'resources');
  return {
    preload: join(mainDir, '..', 'preload', 'index.cjs'),
    renderer,
    resourcesDir,
    appIcon: join(resourcesDir, 'icon.png'),
    entries: {
      capture: join(mainDir, 'capture.js'),
      engine: join(mainDir, 'engine.js'),
      decodeWorker: join(mainDir, 'decode-worker.js'),
    },
  };
}
