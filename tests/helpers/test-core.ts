import { createAppCore } from '../../src/core/app/app-core.ts';
import type { AppCore, AppCoreOptions } from '../../src/core/app/types.ts';
import { CAPTURE_ENTRY } from '../../src/core/capture-host/entry.ts';
import { ENGINE_ENTRY } from '../../src/core/engine-host/entry.ts';
import { spawnNodeChild } from '../../src/platform/process/node-spawn.ts';
import { FileSecretStore } from '../../src/core/secrets/file-secret-store.ts';

/**
 * The real app core as the web bridge runs it (child processes from the .ts sources, keys in
 * a file in the data folder), with whatever a test overrides: a model, the virtual mic's env.
 */
export function startTestCore(userDataDir: string, overrides: Partial<AppCoreOptions> = {}): Promise<AppCore> {
  return createAppCore({
    userDataDir,
    spawn: spawnNodeChild,
    entries: { capture: CAPTURE_ENTRY, engine: ENGINE_ENTRY },
    secrets: new FileSecretStore(userDataDir),
    appVersion: 'test',
    transport: 'web',
    ...overrides,
  });
}
