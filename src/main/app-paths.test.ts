import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { electronMock, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { resolveAppPaths } from './app-paths.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const appPath = join('/opt', 'Earshot', 'resources', 'app.asar');

beforeEach(() => {
  resetElectronMock();
  vi.spyOn(electronMock.app, 'getAppPath').mockReturnValue(appPath);
  Object.defineProperty(process, 'resourcesPath', { value: join('/opt', 'Earshot', 'resources'), configurable: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
  Reflect.deleteProperty(process, 'resourcesPath');
});

describe('resolveAppPaths', () => {
  it('finds the preload, renderer and child entries in out/ of the app', () => {
    electronMock.app.isPackaged = true;
    const paths = resolveAppPaths();
    expect(paths.preload).toBe(join(appPath, 'out', 'preload', 'index.cjs'));
    expect(paths.entries).toEqual({
      capture: join(appPath, 'out', 'main', 'capture.js'),
      engine: join(appPath, 'out', 'main', 'engine.js'),
      decodeWorker: join(appPath, 'out', 'main', 'decode-worker.js'),
    });
    expect(paths.renderer.kind).toBe('file');
    expect(paths.renderer.url).toMatch(/^file:\/\/.*\/out\/renderer\/index\.html$/);
    expect(paths.resourcesDir).toBe(join('/opt', 'Earshot', 'resources', 'resources'));
  });

  it('uses the dev server only in development', () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://localhost:5173/');
    electronMock.app.isPackaged = false;
    expect(resolveAppPaths().renderer).toEqual({
      kind: 'dev-server',
      url: 'http://localhost:5173/',
      origin: 'http://localhost:5173',
    });
    // An installed app never takes its page from the environment.
    electronMock.app.isPackaged = true;
    expect(resolveAppPaths().renderer.kind).toBe('file');
  });

  it('refuses a dev server URL that is not on loopback', () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://attacker.example/');
    expect(() => resolveAppPaths()).toThrow('loopback');
  });
});
