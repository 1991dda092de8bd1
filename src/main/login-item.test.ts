import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { electronMock, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { applyStartAtLogin } from './login-item.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const realPlatform = process.platform;
let config: string;

function pretendPlatform(platform: NodeJS.Platform): void {
  Object.defineProperty(process, 'platform', { value: platform, configurable: true });
}

beforeEach(async () => {
  resetElectronMock();
  config = await mkdtemp(join(tmpdir(), 'earshot-login-'));
  vi.stubEnv('XDG_CONFIG_HOME', config);
  vi.stubEnv('APPIMAGE', '/home/me/Earshot.AppImage');
});

afterEach(async () => {
  pretendPlatform(realPlatform);
  vi.unstubAllEnvs();
  await rm(config, { recursive: true, force: true });
});

describe('start at login', () => {
  it('does nothing in a development build', async () => {
    pretendPlatform('darwin');
    await applyStartAtLogin(true);
    expect(electronMock.app.getLoginItemSettings().openAtLogin).toBe(false);
  });

  it('uses the OS login item on macOS and Windows', async () => {
    electronMock.app.isPackaged = true;
    for (const platform of ['darwin', 'win32'] as const) {
      pretendPlatform(platform);
      await applyStartAtLogin(true);
      expect(electronMock.app.getLoginItemSettings().openAtLogin, platform).toBe(true);
      await applyStartAtLogin(false);
      expect(electronMock.app.getLoginItemSettings().openAtLogin, platform).toBe(false);
    }
  });

  it('writes and removes an XDG autostart entry for the AppImage on Linux', async () => {
    electronMock.app.isPackaged = true;
    pretendPlatform('linux');
    const entry = join(config, 'autostart', 'earshot.desktop');
    await applyStartAtLogin(true);
    expect(await readFile(entry, 'utf8')).toContain('Exec=/home/me/Earshot.AppImage\n');
    await applyStartAtLogin(false);
    await expect(stat(entry)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
