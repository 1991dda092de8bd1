import { app, clipboard } from 'electron';
import { join } from 'node:path';
import { createAppCore } from '../core/app/app-core.ts';
import type { AppCore, SystemAudioSupply } from '../core/app/types.ts';
import { captureWindowUrl } from './system-audio/capture-window-options.ts';
import { setupSystemAudio } from './system-audio/index.ts';
import { createLogger } from '../platform/log/logger.ts';
import { EarshotError } from '../shared/errors.ts';
import { withEnvSecrets } from '../core/secrets/env-secrets.ts';
import { unavailableCore } from './shell/unavailable-core.ts';
import type { AppPaths } from './app-paths.ts';
import type { EngineWatch } from './engine-watch.ts';
import { SafeStorageSecretStore } from './safe-storage-secrets.ts';
import { spawnUtilityChild } from './utility-spawn.ts';

const log = createLogger('main');

/** macOS 13+ and Windows: system audio through the hidden display-media capture page. */
function systemAudioOption(paths: AppPaths): { systemAudio?: SystemAudioSupply } {
  const supply = setupSystemAudio({
    url: captureWindowUrl(paths.renderer),
    preloadPath: join(paths.preload, '..', 'system-audio.cjs'),
  });
  log.info(`system audio route: ${supply.route.kind}`);
  const device = supply.device;
  return device
    ? { systemAudio: { device, createSource: (rate, onTrouble) => supply.createSource(rate, onTrouble) } }
    : {};
}

/**
 * Builds the Electron-free core with the Electron pieces it needs: utility processes, the
 * keychain store (environment variables as a fallback), the clipboard, and the engine watch
 * that tells the tray when the local engine is down. If the core cannot start, the app still
 * opens and shows why instead of vanishing.
 */
export async function setupAppCore(paths: AppPaths, engineWatch?: EngineWatch): Promise<AppCore> {
  const userDataDir = app.getPath('userData');
  try {
    return await createAppCore({
      userDataDir,
      spawn: spawnUtilityChild,
      entries: paths.entries,
      ...(engineWatch ? { launch: { engine: engineWatch.launch } } : {}),
      secrets: withEnvSecrets(new SafeStorageSecretStore(join(userDataDir, 'secrets')), process.env, {
        prefer: 'store',
      }),
      writeClipboard: (text) => {
        // Promise in recent Electron, void in older ones: resolve either and log a failure.
        Promise.resolve(clipboard.writeText(text)).catch((error: unknown) =>
          log.warn('could not write the clipboard', error),
        );
      },
      bundledModelsDir: join(paths.resourcesDir, 'models'),
      appVersion: app.getVersion(),
      transport: 'ipc',
      ...systemAudioOption(paths),
    });
  } catch (error) {
    // A damaged index or journal never gets here (the core heals those); another Earshot on
    // the folder does, and the window says which one instead of both writing History.
    if (error instanceof EarshotError && error.code === 'DATA_DIR_IN_USE')
      log.warn(`the data folder is in use; running with every service unavailable: ${error.message}`);
    else log.error('the app core failed to start; running with every service unavailable', error);
    return unavailableCore(error, { version: app.getVersion(), platform: process.platform });
  }
}
