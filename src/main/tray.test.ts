import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MockTray, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { REPO_ROOT } from '../../tests/helpers/paths.ts';
import { idleSnapshot, type SessionSnapshot } from '../shared/session.ts';
import { setupTray, trayIconPath, type TrayController } from './tray.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const resourcesDir = join(REPO_ROOT, 'resources');
const snap = (patch: Partial<SessionSnapshot>): SessionSnapshot => ({ ...idleSnapshot(), ...patch });

let tray: TrayController;
let mock: MockTray;
const onToggle = vi.fn();
const onShowWindow = vi.fn();
const onQuit = vi.fn();

function item(id: string) {
  return mock.contextMenu!.getMenuItemById(id)!;
}

beforeEach(() => {
  resetElectronMock();
  vi.clearAllMocks();
  tray = setupTray({ resourcesDir, onToggle, onShowWindow, onQuit });
  mock = MockTray.created[0]!;
});

describe('tray', () => {
  it('starts idle: idle icon (a real file), Start item, Show and Quit', () => {
    expect(mock.image.path).toBe(trayIconPath(resourcesDir, 'idle'));
    expect(mock.image.isEmpty()).toBe(false);
    expect(mock.tooltip).toBe('Earshot — Not listening');
    expect(mock.contextMenu!.items.map((i) => i.label ?? i.type)).toEqual([
      'Not listening',
      'separator',
      'Start listening',
      'Show Earshot',
      'separator',
      'Quit Earshot',
    ]);
    expect(item('status').enabled).toBe(false);
  });

  it('has a real icon for every state, at 1x and 2x', async () => {
    const { existsSync } = await import('node:fs');
    for (const state of ['idle', 'listening', 'error'] as const) {
      const path = trayIconPath(resourcesDir, state);
      expect(existsSync(path), path).toBe(true);
      expect(existsSync(path.replace('.png', '@2x.png')), path).toBe(true);
    }
  });

  it('follows the session: listening icon and Stop while streaming, back to Start when idle', () => {
    tray.update(snap({ state: 'streaming', deviceName: 'USB Mic' }));
    expect(mock.image.path).toBe(trayIconPath(resourcesDir, 'listening'));
    expect(item('toggle').label).toBe('Stop listening');
    expect(item('status').label).toBe('Listening — USB Mic');
    expect(mock.tooltip).toBe('Earshot — Listening — USB Mic');

    tray.update(snap({ state: 'stopping' }));
    expect(item('toggle')).toMatchObject({ label: 'Stopping…', enabled: false });

    tray.update(snap({ state: 'idle' }));
    expect(mock.image.path).toBe(trayIconPath(resourcesDir, 'idle'));
    expect(item('toggle')).toMatchObject({ label: 'Start listening', enabled: true });
  });

  it('shows the error icon and reason, and offers Start again', () => {
    tray.update(snap({ state: 'error', error: { code: 'DEVICE_LOST', message: 'The microphone was disconnected.' } }));
    expect(mock.image.path).toBe(trayIconPath(resourcesDir, 'error'));
    expect(item('status').label).toBe('Error: The microphone was disconnected.');
    expect(item('toggle')).toMatchObject({ label: 'Start listening', enabled: true });
  });

  it('runs the actions behind its items', () => {
    mock.clickItem('toggle');
    mock.clickItem('show');
    mock.clickItem('quit');
    expect(onToggle).toHaveBeenCalledOnce();
    expect(onShowWindow).toHaveBeenCalledOnce();
    expect(onQuit).toHaveBeenCalledOnce();
  });

  it('does not rebuild the menu for snapshots that change nothing visible', () => {
    tray.update(snap({ state: 'streaming' }));
    const menu = mock.contextMenu;
    tray.update(snap({ state: 'streaming', bufferedMs: 120 }));
    expect(mock.contextMenu).toBe(menu);
  });

  it('describes itself the way the end-to-end test reads it', () => {
    tray.update(snap({ state: 'streaming' }));
    expect(tray.describe()).toEqual({
      icon: 'listening',
      tooltip: 'Earshot — Listening',
      menu: [
        { id: 'status', label: 'Listening', enabled: false },
        { id: 'toggle', label: 'Stop listening', enabled: true },
        { id: 'show', label: 'Show Earshot', enabled: true },
        { id: 'quit', label: 'Quit Earshot', enabled: true },
      ],
    });
  });

  it('shows a standing notice under the status line until it is cleared', () => {
    tray.setNotice('Shortcut Alt+F9 not set: Alt+F9 is already used by another application');
    expect(item('notice')).toMatchObject({ label: expect.stringContaining('Alt+F9') as string, enabled: false });
    expect(mock.contextMenu!.items.map((i) => i.id ?? i.type)).toEqual([
      'status',
      'notice',
      'separator',
      'toggle',
      'show',
      'separator',
      'quit',
    ]);
    tray.update(snap({ state: 'streaming' }));
    expect(mock.contextMenu!.getMenuItemById('notice')).not.toBeNull();
    tray.setNotice(null);
    expect(mock.contextMenu!.getMenuItemById('notice')).toBeNull();
  });
});
