/**
 * A corrupt settings file must not keep Earshot from starting: main comes up with the
 * defaults (window shown, default shortcut) and the damaged file is kept beside them.
 * The settings come from the real SettingsStore in the user-data folder main chose.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { electronMock, MockBrowserWindow } from '../../tests/helpers/electron-mock.ts';
import { createFakeAppCore } from '../../tests/helpers/fake-app-core.ts';
import type { AppCoreOptions } from '../core/app/types.ts';
import { SettingsStore } from '../core/settings/settings-store.ts';
import { defaultSettings } from '../shared/settings.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));
vi.mock('../core/app/app-core.ts', () => ({
  createAppCore: async (options: AppCoreOptions) => {
    const store = await SettingsStore.open(options.userDataDir);
    return createFakeAppCore(() => store.get());
  },
}));

const CORRUPT = '{"startHidden": true, "globalShortcut": "Alt+F1", ';
let userData: string;

beforeAll(async () => {
  userData = await mkdtemp(join(tmpdir(), 'earshot-main-corrupt-'));
  await writeFile(join(userData, 'settings.json'), CORRUPT);
  vi.stubEnv('EARSHOT_USER_DATA_DIR', userData);
  vi.stubEnv('EARSHOT_LOG', 'error');
  const { started } = await import('./index.ts');
  await started;
});

describe('Electron main with a corrupt settings file', () => {
  it('starts with the defaults: the window shows and the default shortcut is set', () => {
    const win = MockBrowserWindow.created[0]!;
    win.becomeReady();
    expect(win.isVisible()).toBe(true);
    expect(electronMock.globalShortcut.isRegistered(defaultSettings().globalShortcut)).toBe(true);
    expect(electronMock.globalShortcut.isRegistered('Alt+F1')).toBe(false);
  });

  it('keeps the corrupt file, byte for byte, beside fresh settings', async () => {
    const kept = (await readdir(userData)).filter((name) => name.startsWith('settings.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(userData, kept[0]!), 'utf8')).toBe(CORRUPT);
    expect(JSON.parse(await readFile(join(userData, 'settings.json'), 'utf8'))).toEqual(defaultSettings());
  });
});
