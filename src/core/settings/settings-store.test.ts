import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EarshotError } from '../../shared/errors.ts';
import { defaultSettings, settingsPatchSchema, type Settings } from '../../shared/settings.ts';
import { SETTINGS_FILE_NAME, SettingsStore } from './settings-store.ts';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-settings-'));
  path = join(dir, SETTINGS_FILE_NAME);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function corruptFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('settings.corrupt-')).sort();
}

describe('SettingsStore', () => {
  it('starts from defaults when there is no file, and creates the folder', async () => {
    const store = await SettingsStore.open(join(dir, 'nested', 'user-data'));
    expect(store.get()).toEqual(defaultSettings());
    expect(store.recoveredFrom).toBeNull();
  });

  it('saves an update as valid JSON and loads it back in a new store', async () => {
    const store = await SettingsStore.open(dir);
    const saved = await store.update({ globalShortcut: 'Alt+F9', captions: { port: 9000 } });
    expect(saved.globalShortcut).toBe('Alt+F9');
    expect(saved.captions).toEqual({ ...defaultSettings().captions, port: 9000 });

    const onDisk = JSON.parse(await readFile(path, 'utf8')) as Settings;
    expect(onDisk.globalShortcut).toBe('Alt+F9');
    const reopened = await SettingsStore.open(dir);
    expect(reopened.get()).toEqual(saved);
    expect(await readdir(dir)).toEqual([SETTINGS_FILE_NAME]);
  });

  it('emits change with the new and previous settings, and nothing for a no-op', async () => {
    const store = await SettingsStore.open(dir);
    const changes: [Settings, Settings][] = [];
    store.on('change', (next, previous) => changes.push([next, previous]));
    await store.update({ startHidden: true });
    await store.update({ startHidden: true });
    expect(changes).toHaveLength(1);
    expect(changes[0]![0].startHidden).toBe(true);
    expect(changes[0]![1].startHidden).toBe(false);
  });

  it('applies concurrent updates in order without losing one', async () => {
    const store = await SettingsStore.open(dir);
    await Promise.all([
      store.update({ language: 'de' }),
      store.update({ startAtLogin: true }),
      store.update({ captions: { enabled: true } }),
      store.update({ captions: { allowLan: true } }),
    ]);
    const reopened = (await SettingsStore.open(dir)).get();
    expect(reopened).toMatchObject({ language: 'de', startAtLogin: true, captions: { enabled: true, allowLan: true } });
  });

  it('changes only the given fields of a patch parsed at the IPC boundary', async () => {
    const store = await SettingsStore.open(dir);
    await store.update({ language: 'sv', captions: { port: 8100 } });
    // dispatchInvoke hands handlers the schema's output: absent fields must stay absent.
    await store.update(settingsPatchSchema.parse({ startHidden: true }));
    await store.update(settingsPatchSchema.parse({ captions: { enabled: true } }));
    expect(store.get()).toMatchObject({ language: 'sv', startHidden: true, captions: { port: 8100, enabled: true } });
  });

  it('rejects an invalid value with SETTINGS_INVALID and keeps the file as it was', async () => {
    const store = await SettingsStore.open(dir);
    await store.update({ preRollMs: 300 });
    const before = await readFile(path, 'utf8');
    await expect(store.update({ preRollMs: 99_999 })).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
    await expect(store.update({ nonsense: true } as never)).rejects.toBeInstanceOf(EarshotError);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(store.get().preRollMs).toBe(300);
  });

  it('hands out settings that cannot be mutated behind its back', async () => {
    const store = await SettingsStore.open(dir);
    expect(() => {
      (store.get() as { language: string }).language = 'fr';
    }).toThrow(TypeError);
    expect(() => {
      (store.get().captions as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('survives a corrupt file: defaults in use, the corrupt file preserved byte for byte', async () => {
    const garbage = '{"globalShortcut": "Alt+F1", "startHid';
    await writeFile(path, garbage);
    const store = await SettingsStore.open(dir);

    expect(store.get()).toEqual(defaultSettings());
    const kept = await corruptFiles();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^settings\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect(store.recoveredFrom).toBe(join(dir, kept[0]!));
    expect(await readFile(join(dir, kept[0]!), 'utf8')).toBe(garbage);

    // Saving afterwards writes a fresh file and leaves the kept one alone.
    await store.update({ language: 'fr' });
    expect(await readFile(join(dir, kept[0]!), 'utf8')).toBe(garbage);
    expect((await SettingsStore.open(dir)).get().language).toBe('fr');
  });

  it('keeps the still-valid fields of a file with one bad value', async () => {
    await writeFile(
      path,
      JSON.stringify({ version: 1, language: 'nl', preRollMs: 'lots', captions: { port: 7000, host: 42 } }),
    );
    const store = await SettingsStore.open(dir);
    expect(store.get()).toMatchObject({ language: 'nl', preRollMs: 500, captions: { port: 7000, host: '127.0.0.1' } });
    expect(store.recoveredFrom).not.toBeNull();
    expect(await corruptFiles()).toHaveLength(1);
  });

  it('never overwrites an earlier kept-aside file when the new one is corrupt too', async () => {
    await writeFile(path, 'first');
    await SettingsStore.open(dir);
    await writeFile(path, 'second');
    const store = await SettingsStore.open(dir);
    const kept = await corruptFiles();
    expect(kept).toHaveLength(2);
    const contents = await Promise.all(kept.map((name) => readFile(join(dir, name), 'utf8')));
    expect(contents.sort()).toEqual(['first', 'second']);
    expect(store.get()).toEqual(defaultSettings());
  });

  it('treats an unreadable settings path (a folder) as corrupt and moves it aside', async () => {
    await mkdir(path);
    await writeFile(join(path, 'inside.txt'), 'keep me');
    const store = await SettingsStore.open(dir);
    expect(store.get()).toEqual(defaultSettings());
    expect(store.recoveredFrom).not.toBeNull();
    expect(await readFile(join(store.recoveredFrom!, 'inside.txt'), 'utf8')).toBe('keep me');
    await store.update({ theme: 'dark' });
    expect((await SettingsStore.open(dir)).get().theme).toBe('dark');
  });

  it('does not write partial data when the folder becomes unwritable', async () => {
    const store = await SettingsStore.open(dir);
    await store.update({ language: 'es' });
    // Replace the folder under the store with a file: every write must now fail cleanly.
    await rm(dir, { recursive: true });
    await writeFile(dir, 'not a folder');
    await expect(store.update({ language: 'it' })).rejects.toMatchObject({ code: 'SETTINGS_WRITE_FAILED' });
    expect(store.get().language).toBe('es');
    await rm(dir);
    await mkdir(dir);
  });
});
