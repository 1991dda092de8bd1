/**
 * The composition root, wired end to end against the shared electron mock and a fake core:
 * what a person sees at start-up, and that tray, shortcut, settings and quitting reach the
 * core. (One app per file: the steps below run in order against the same started app.)
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakeAppCore } from '../../tests/helpers/fake-app-core.ts';
import { electronMock, invokeEvent, MockBrowserWindow, MockTray } from '../../tests/helpers/electron-mock.ts';
import { IPC_PREFIX, invokeChannels } from '../shared/ipc/contract.ts';
import { defaultSettings } from '../shared/settings.ts';
import { idleSnapshot } from '../shared/session.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));
const core = createFakeAppCore();
vi.mock('../core/app/app-core.ts', () => ({ createAppCore: () => Promise.resolve(core) }));

let win: MockBrowserWindow;
let tray: MockTray;

beforeAll(async () => {
  vi.stubEnv('EARSHOT_USER_DATA_DIR', await mkdtemp(join(tmpdir(), 'earshot-main-')));
  vi.stubEnv('EARSHOT_LOG', 'warn');
  const { started } = await import('./index.ts');
  await started;
  win = MockBrowserWindow.created[0]!;
  tray = MockTray.created[0]!;
});

describe('Electron main, composed', () => {
  it('starts sandboxed, with one secure window on our renderer, its IPC and session rules', () => {
    expect(electronMock.app.sandboxEnabled).toBe(true);
    expect(MockBrowserWindow.created).toHaveLength(1);
    expect(win.options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(win.webContents.getURL()).toMatch(/^file:\/\/.*\/renderer\/index\.html$/);
    expect([...electronMock.ipcMain.handlers.keys()].sort()).toEqual(invokeChannels.map((c) => IPC_PREFIX + c).sort());
    expect(electronMock.session.defaultSession.headersListener).not.toBeNull();
    expect(electronMock.session.defaultSession.permissionRequestHandler).not.toBeNull();
    win.becomeReady();
    expect(win.isVisible()).toBe(true);
  });

  it('shows the idle tray and registers the default shortcut', () => {
    expect(tray.image.path).toMatch(/tray-idle\.png$/);
    expect(electronMock.globalShortcut.isRegistered(defaultSettings().globalShortcut)).toBe(true);
  });

  it('forwards core events to the window once the renderer is ready, and status to the tray', async () => {
    core.emit('status', { ...idleSnapshot(), state: 'streaming', deviceName: 'Mic A' });
    expect(tray.image.path).toMatch(/tray-listening\.png$/);
    expect(tray.contextMenu!.getMenuItemById('toggle')!.label).toBe('Stop listening');
    expect(win.webContents.sent).toEqual([]);
    await electronMock.ipcMain.invoke(`${IPC_PREFIX}renderer.ready`, invokeEvent(win.webContents));
    expect(win.webContents.sent.map((s) => s.channel)).toContain(`${IPC_PREFIX}status`);
  });

  it('toggles the session from the tray menu and from the global shortcut', async () => {
    const toggles = () => core.calls.filter((c) => c.channel === 'session.toggle').length;
    tray.clickItem('toggle');
    electronMock.globalShortcut.press(defaultSettings().globalShortcut);
    await vi.waitFor(() => expect(toggles()).toBe(2), { timeout: 2000 });
  });

  it('moves the shortcut when the settings change, and says in the tray when it cannot', () => {
    core.emit('settings', { ...defaultSettings(), globalShortcut: 'Alt+F9' });
    expect(electronMock.globalShortcut.isRegistered('Alt+F9')).toBe(true);
    expect(electronMock.globalShortcut.isRegistered(defaultSettings().globalShortcut)).toBe(false);

    electronMock.globalShortcut.takenByOtherApps.add('Alt+F10');
    core.emit('settings', { ...defaultSettings(), globalShortcut: 'Alt+F10' });
    expect(tray.contextMenu!.getMenuItemById('notice')?.label).toBe(
      'Shortcut Alt+F10 not set: Alt+F10 is already used by another application',
    );
    core.emit('settings', { ...defaultSettings(), globalShortcut: 'Alt+F9' });
    expect(tray.contextMenu!.getMenuItemById('notice')).toBeNull();
  });

  it('hides to the tray on close and comes back from the tray or a second launch', () => {
    win.close();
    expect(win.isDestroyed()).toBe(false);
    expect(win.isVisible()).toBe(false);
    tray.clickItem('show');
    expect(win.isVisible()).toBe(true);
    win.close();
    electronMock.app.emit('second-instance', {}, [], '/');
    expect(win.isVisible()).toBe(true);
  });

  it('quits from the tray: the core is disposed first, then Electron quits and the window closes', async () => {
    const quit = new Promise<void>((resolve) => electronMock.app.once('quit', () => resolve()));
    tray.clickItem('quit');
    await quit;
    expect(core.disposed).toBe(true);
    expect(tray.destroyed).toBe(true);
    expect(electronMock.globalShortcut.registered.size).toBe(0);
    win.close();
    expect(win.isDestroyed()).toBe(true);
  });
});
