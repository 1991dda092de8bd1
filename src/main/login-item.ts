import { app } from 'electron';
import { createLogger } from '../platform/log/logger.ts';
import { setLinuxAutostart } from './shell/linux-autostart.ts';

const log = createLogger('login-item');

/**
 * Applies settings.startAtLogin: the OS login item on macOS and Windows, an XDG autostart
 * entry on Linux. A development build never registers itself (it would start a bare
 * Electron at every login).
 */
export async function applyStartAtLogin(openAtLogin: boolean): Promise<void> {
  if (!app.isPackaged) {
    if (openAtLogin) log.info('start at login applies to the installed app only; skipped in development');
    return;
  }
  try {
    if (process.platform === 'linux') {
      // An AppImage runs from a temporary mount; $APPIMAGE is the file the person downloaded.
      await setLinuxAutostart(openAtLogin, [process.env['APPIMAGE'] ?? process.execPath]);
    } else if (app.getLoginItemSettings().openAtLogin !== openAtLogin) {
      app.setLoginItemSettings({ openAtLogin });
    }
    log.info(`start at login ${openAtLogin ? 'on' : 'off'}`);
  } catch (error) {
    log.error('could not change the start-at-login setting', error);
  }
}
