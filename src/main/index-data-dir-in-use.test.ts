/**
 * The desktop app opened while `earshot ui` (another real process) serves the same data
 * folder: it does not touch History; the window and tray come up saying which process has
 * the folder and what to do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { electronMock, invokeEvent, MockBrowserWindow, MockTray } from '../../tests/helpers/electron-mock.ts';
import { waitForExit } from '../../tests/helpers/process-events.ts';
import { within } from '../../tests/helpers/wait.ts';
import { IPC_PREFIX } from '../shared/ipc/contract.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const HOLDER = resolve(import.meta.dirname, '../../tests/helpers/lock-holder.ts');
let userData: string;
let holder: ChildProcess;

beforeAll(async () => {
  userData = await mkdtemp(join(tmpdir(), 'earshot-main-in-use-'));
  holder = spawn(process.execPath, [HOLDER, userData, 'earshot ui'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await within(
    new Promise<string>((done) => createInterface({ input: holder.stdout! }).once('line', done)),
    { what: 'the other Earshot to take the folder', timeoutMs: 20_000 },
  );
  expect(JSON.parse(line)).toMatchObject({ event: 'locked' });
  vi.stubEnv('EARSHOT_USER_DATA_DIR', userData);
  vi.stubEnv('EARSHOT_LOG', 'error');
  const { started } = await import('./index.ts');
  await started;
});

afterAll(async () => {
  holder.stdin!.end(); // the holder releases and exits
  await waitForExit(holder.pid!, 'the lock holder', 10_000);
  await rm(userData, { recursive: true, force: true });
});

describe('Electron main on a data folder another Earshot holds', () => {
  it('opens the window with the tray in the error state, naming the other process', async () => {
    expect(MockBrowserWindow.created).toHaveLength(1);
    const label = MockTray.created[0]!.contextMenu!.getMenuItemById('status')!.label;
    expect(label).toContain(`Earshot (earshot ui, pid ${holder.pid}`);
    const page = MockBrowserWindow.created[0]!.webContents;
    const snapshot = (await electronMock.ipcMain.invoke(`${IPC_PREFIX}session.get`, invokeEvent(page))) as {
      value: { state: string; error: { code: string; message: string } };
    };
    expect(snapshot.value.state).toBe('error');
    expect(snapshot.value.error.code).toBe('DATA_DIR_IN_USE');
    expect(snapshot.value.error.message).toContain(
      `is already using this data folder (${userData}); stop the earshot ui.`,
    );
    const result = (await electronMock.ipcMain.invoke(`${IPC_PREFIX}history.list`, invokeEvent(page))) as {
      ok: boolean;
      error?: { code: string };
    };
    expect(result).toMatchObject({ ok: false, error: { code: 'DATA_DIR_IN_USE' } });
    expect(electronMock.app.exitCode).toBeNull();
  });
});
