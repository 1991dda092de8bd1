import { beforeEach, describe, expect, it, vi } from 'vitest';
import { electronMock, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { setupGlobalShortcut } from './shortcut.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const DEFAULT = 'CommandOrControl+Shift+Space';

beforeEach(() => resetElectronMock());

describe('global shortcut', () => {
  it('registers the default and toggles listening when pressed', () => {
    const onToggle = vi.fn();
    const shortcut = setupGlobalShortcut(DEFAULT, onToggle);
    expect(shortcut.status).toEqual({ state: 'registered', accelerator: DEFAULT });
    electronMock.globalShortcut.press(DEFAULT);
    expect(onToggle).toHaveBeenCalledOnce();
  });

  it('moves to a new combination from settings, releasing the old one', () => {
    const onToggle = vi.fn();
    const shortcut = setupGlobalShortcut(DEFAULT, onToggle);
    expect(shortcut.apply('Alt+F9')).toEqual({ state: 'registered', accelerator: 'Alt+F9' });
    expect(electronMock.globalShortcut.isRegistered(DEFAULT)).toBe(false);
    electronMock.globalShortcut.press('Alt+F9');
    expect(onToggle).toHaveBeenCalledOnce();
  });

  it('reports a combination another app owns, without throwing', () => {
    electronMock.globalShortcut.takenByOtherApps.add('Alt+F9');
    const shortcut = setupGlobalShortcut('Alt+F9', vi.fn());
    expect(shortcut.status).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('already used') as string,
    });
  });

  it('refuses an invalid combination before asking Electron', () => {
    const register = vi.spyOn(electronMock.globalShortcut, 'register');
    const shortcut = setupGlobalShortcut('Ctrl+Banana', vi.fn());
    expect(shortcut.status).toMatchObject({ state: 'failed', reason: expect.stringContaining('Banana') as string });
    expect(register).not.toHaveBeenCalled();
  });

  it('turns off with an empty setting and on dispose', () => {
    const shortcut = setupGlobalShortcut(DEFAULT, vi.fn());
    expect(shortcut.apply('')).toEqual({ state: 'disabled' });
    expect(electronMock.globalShortcut.registered.size).toBe(0);
    shortcut.apply(DEFAULT);
    shortcut.dispose();
    expect(electronMock.globalShortcut.registered.size).toBe(0);
  });
});
