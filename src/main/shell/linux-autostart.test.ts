import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autostartEntry, autostartFilePath, setLinuxAutostart } from './linux-autostart.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-autostart-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Linux autostart entry', () => {
  it('lives under XDG_CONFIG_HOME/autostart', () => {
    expect(autostartFilePath({ XDG_CONFIG_HOME: '/x/config' })).toBe('/x/config/autostart/earshot.desktop');
  });

  it('quotes the command per the Desktop Entry spec', () => {
    const entry = autostartEntry(['/home/me/Apps/Earshot 1.0.AppImage', '--flag=50%']);
    expect(entry).toContain('Exec="/home/me/Apps/Earshot 1.0.AppImage" --flag=50%%\n');
    expect(entry.startsWith('[Desktop Entry]\nType=Application\nName=Earshot\n')).toBe(true);
  });

  it('creates the entry when enabled and removes it when disabled', async () => {
    const path = join(dir, 'autostart', 'earshot.desktop');
    await setLinuxAutostart(true, ['/usr/bin/earshot'], path);
    expect(await readFile(path, 'utf8')).toContain('Exec=/usr/bin/earshot\n');
    await setLinuxAutostart(false, ['/usr/bin/earshot'], path);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    // Disabling twice is fine.
    await setLinuxAutostart(false, ['/usr/bin/earshot'], path);
  });
});
