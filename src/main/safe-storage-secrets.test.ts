import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { electronMock, resetElectronMock } from '../../tests/helpers/electron-mock.ts';
import { SafeStorageSecretStore } from './safe-storage-secrets.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

let dir: string;
let store: SafeStorageSecretStore;

beforeEach(async () => {
  resetElectronMock();
  dir = join(await mkdtemp(join(tmpdir(), 'earshot-keychain-')), 'secrets');
  store = new SafeStorageSecretStore(dir);
});

afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('SafeStorageSecretStore', () => {
  it('keeps a key encrypted on disk and gives it back to main', async () => {
    await store.set('openai', 'sk-live-abc123');
    expect(await readdir(dir)).toEqual(['openai.bin']);
    const blob = await readFile(join(dir, 'openai.bin'), 'utf8');
    expect(blob).not.toContain('sk-live-abc123');
    expect(await store.get('openai')).toBe('sk-live-abc123');
    expect(await store.has('openai')).toBe(true);
    if (process.platform !== 'win32') expect((await stat(join(dir, 'openai.bin'))).mode & 0o777).toBe(0o600);
  });

  it('answers null / false for a key never set, and forgets a deleted one', async () => {
    expect(await store.get('deepgram')).toBeNull();
    expect(await store.has('deepgram')).toBe(false);
    await store.set('deepgram', 'dg');
    await store.delete('deepgram');
    await store.delete('deepgram');
    expect(await store.has('deepgram')).toBe(false);
  });

  it('fails clearly with SECRETS_UNAVAILABLE when the keychain cannot encrypt', async () => {
    await store.set('openai', 'sk-1');
    electronMock.safeStorage.available = false;
    await expect(store.set('assemblyai', 'aai')).rejects.toMatchObject({ code: 'SECRETS_UNAVAILABLE' });
    await expect(store.get('openai')).rejects.toMatchObject({
      code: 'SECRETS_UNAVAILABLE',
      message: expect.stringContaining('environment variable') as string,
    });
    // Whether a key is set is still known, so Settings can say so.
    expect(await store.has('openai')).toBe(true);
    expect(await readdir(dir)).toEqual(['openai.bin']);
  });

  it.skipIf(process.platform !== 'linux')(
    'refuses Linux’s plain-text fallback (no keyring) instead of pretending to encrypt (skipped off Linux: the fallback exists only there)',
    async () => {
      electronMock.safeStorage.backend = 'basic_text';
      await expect(store.set('openai', 'sk-1')).rejects.toMatchObject({
        code: 'SECRETS_UNAVAILABLE',
        message: expect.stringContaining('keyring') as string,
      });
    },
  );

  it('says a stored key must be set again when it can no longer be decrypted', async () => {
    await store.set('openai', 'sk-1');
    await writeFile(join(dir, 'openai.bin'), 'garbage from another keychain');
    await expect(store.get('openai')).rejects.toMatchObject({
      code: 'SECRETS_FAILED',
      message: expect.stringContaining('Set the key again') as string,
    });
  });

  it('refuses key names that could escape its folder', async () => {
    await expect(store.set('../../.bashrc', 'x')).rejects.toMatchObject({ code: 'SECRETS_FAILED' });
    await expect(store.get('a/b')).rejects.toMatchObject({ code: 'SECRETS_FAILED' });
    await expect(store.has('..')).rejects.toMatchObject({ code: 'SECRETS_FAILED' });
  });
});
