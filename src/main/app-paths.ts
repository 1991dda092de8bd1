import { app } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { devServerRenderer, fileRenderer, type RendererLocation } from '../core/shell/renderer-location.ts';

export interface AppPaths {
  readonly preload: string;
  readonly renderer: RendererLocation;
  /** Tray icons and the window icon (resources/ in the repo, extraResources when packaged). */
  readonly resourcesDir: string;
  readonly appIcon: string;
  /** The utility-process entries electron-vite emits beside the main bundle. */
  readonly entries: { readonly capture: string; readonly engine: string };
}

/**
 * Where everything is at run time. The main bundle is out/main/index.js (inside app.asar when
 * packaged); preload, renderer and the child entries are its siblings in out/.
 */
export function resolveAppPaths(): AppPaths {
  const mainDir = dirname(fileURLToPath(import.meta.url));
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
    entries: { capture: join(mainDir, 'capture.js'), engine: join(mainDir, 'engine.js') },
  };
}
