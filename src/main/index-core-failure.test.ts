/**
 * When the core cannot start (a broken install, an unwritable data folder), the app still
 * opens: the window and tray come up in the error state and every request says why.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { electronMock, invokeEvent, MockBrowserWindow, MockTray } from '../../tests/helpers/electron-mock.ts';
import { EarshotError } from '../shared/errors.ts';
import { IPC_PREFIX } from '../shared/ipc/contract.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));
vi.mock('../core/app/app-core.ts', () => ({
  createAppCore: () => Promise.reject(new EarshotError('STORAGE_READ_ONLY', 'The Earshot data folder is read-only.')),
}));

beforeAll(async () => {
  vi.stubEnv('EARSHOT_USER_DATA_DIR', await mkdtemp(join(tmpdir(), 'earshot-main-fail-')));
  vi.stubEnv('EARSHOT_LOG', 'error');
  const { started } = await import('./index.ts');
  await started;
});

describe('Electron main when the core fails to start', () => {
  it('still opens the window, with the tray in the error state saying why', () => {
    expect(MockBrowserWindow.created).toHaveLength(1);
    const tray = MockTray.created[0]!;
    expect(tray.image.path).toMatch(/tray-error\.png$/);
    expect(tray.contextMenu!.getMenuItemById('status')!.label).toBe('Error: The Earshot data folder is read-only.');
    expect(electronMock.app.exitCode).toBeNull();
  });

  it('answers the renderer with that error instead of hanging', async () => {
    const page = MockBrowserWindow.created[0]!.webContents;
    const result = await electronMock.ipcMain.invoke(`${IPC_PREFIX}session.start`, invokeEvent(page), undefined);
    expect(result).toEqual({
      ok: false,
      error: { code: 'STORAGE_READ_ONLY', message: 'The Earshot data folder is read-only.' },
    });
    expect(await electronMock.ipcMain.invoke(`${IPC_PREFIX}session.get`, invokeEvent(page))).toMatchObject({
      ok: true,
      value: { state: 'error' },
    });
  });
});
