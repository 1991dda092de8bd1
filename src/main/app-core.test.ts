import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeAppCore } from '../../tests/helpers/fake-app-core.ts';
import { resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import type { AppCoreOptions } from '../core/app/types.ts';
import { setupAppCore } from './app-core.ts';
import { resolveAppPaths } from './app-paths.ts';
import { createEngineWatch } from './engine-watch.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));
const created: AppCoreOptions[] = [];
vi.mock('../core/app/app-core.ts', () => ({
  createAppCore: (options: AppCoreOptions) => {
    created.push(options);
    return Promise.resolve(createFakeAppCore());
  },
}));

beforeEach(() => {
  resetElectronMock();
  created.length = 0;
});

describe('setupAppCore', () => {
  it('has the core start the engine through the engine watch, so the tray learns when it is down', async () => {
    const watch = createEngineWatch();
    await setupAppCore(resolveAppPaths(), watch);
    expect(created).toHaveLength(1);
    expect(created[0]!.launch?.engine).toBe(watch.launch);
    // Capture still starts the default way.
    expect(created[0]!.launch?.capture).toBeUndefined();
  });
});
