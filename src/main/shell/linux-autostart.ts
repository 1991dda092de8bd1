import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../platform/fs/atomic-file.ts';

/**
 * "Start at login" on Linux: Electron's setLoginItemSettings covers macOS and Windows only,
 * so we write an XDG autostart entry (~/.config/autostart/earshot.desktop), which GNOME,
 * KDE, Xfce and the others read at login.
 */
export function autostartFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(configHome, 'autostart', 'earshot.desktop');
}

/** Quotes one Exec argument per the Desktop Entry spec. */
function quoteExecArgument(arg: string): string {
  if (!/[\s"'\\`$<>|&;()*?#~]/.test(arg)) return arg.replace(/%/g, '%%');
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}

export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Earshot',
    'Comment=Live transcription',
    `Exec=${command.map(quoteExecArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export async function setLinuxAutostart(
  enabled: boolean,
  command: readonly string[],
  path = autostartFilePath(),
): Promise<void> {
  if (!enabled) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(join(path, '..'), { recursive: true });
  await writeFileAtomic(path, autostartEntry(command));
}
