import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../platform/fs/atomic-file.ts';
import { SETTINGS_FILE_NAME, SettingsStore } from './settings-store.ts';

/** The self-hosted server presets as the store saves them: checked when written, salvaged when read. */
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-server-settings-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('server presets in the settings store', () => {
  it('saves an address and model, and keeps them across a restart', async () => {
    const store = await SettingsStore.open(dir);
    await store.update({ speachesUrl: 'http://gpu-box:8000/v1', speachesModel: 'Systran/faster-whisper-large-v3' });
    const reopened = await SettingsStore.open(dir);
    expect(reopened.get()).toMatchObject({
      speachesUrl: 'http://gpu-box:8000/v1',
      speachesModel: 'Systran/faster-whisper-large-v3',
    });
  });

  it('refuses a URL with another scheme, naming the field and the schemes that work, and saves nothing', async () => {
    const store = await SettingsStore.open(dir);
    await store.update({ vllmUrl: 'ws://gpu-box:8000/v1/realtime' });
    const before = await readFile(join(dir, SETTINGS_FILE_NAME), 'utf8');
    await expect(store.update({ vllmUrl: 'ftp://gpu-box:8000' })).rejects.toMatchObject({
      code: 'SETTINGS_INVALID',
      message: expect.stringMatching(
        /^The setting "vllmUrl" cannot be saved: The address must start with wss:\/\/, ws:\/\/, https:\/\/ or http:\/\/, not ftp:\/\/\./,
      ) as unknown,
    });
    expect(store.get().vllmUrl).toBe('ws://gpu-box:8000/v1/realtime');
    expect(await readFile(join(dir, SETTINGS_FILE_NAME), 'utf8')).toBe(before);
  });

  it('refuses an empty model for a server that needs one, saying what to enter', async () => {
    const store = await SettingsStore.open(dir);
    await expect(store.update({ speachesModel: '' })).rejects.toMatchObject({
      code: 'SETTINGS_INVALID',
      message:
        'The setting "speachesModel" cannot be saved: Speaches needs the name of the model it serves (for example Systran/faster-distil-whisper-small.en): enter it in Settings.',
    });
    await expect(store.update({ vllmModel: '   ' })).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
    expect(store.get().speachesModel).toBe('Systran/faster-distil-whisper-small.en');
  });

  it('reads a hand-edited file with an empty model back as the default, keeping the rest', async () => {
    await writeFileAtomic(
      join(dir, SETTINGS_FILE_NAME),
      JSON.stringify({ version: 1, provider: 'vllm', vllmUrl: 'ws://gpu-box:8000', vllmModel: '' }),
    );
    const store = await SettingsStore.open(dir);
    expect(store.get()).toMatchObject({
      provider: 'vllm',
      vllmUrl: 'ws://gpu-box:8000',
      vllmModel: 'mistralai/Voxtral-Mini-4B-Realtime-2602',
    });
    expect(store.recoveredFrom).not.toBeNull();
  });
});
