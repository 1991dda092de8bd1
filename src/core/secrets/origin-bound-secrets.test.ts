import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../shared/settings.ts';
import { withEnvSecrets } from './env-secrets.ts';
import { FileSecretStore } from './file-secret-store.ts';
import { homeOrigin, keyDestination } from './key-destinations.ts';
import { bindKeysToOrigins, decodeBoundKey } from './origin-bound-secrets.ts';

let dir: string;
let settings: Settings;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-bound-'));
  settings = { ...defaultSettings(), compatibleUrl: 'ws://127.0.0.1:9001/v1/realtime' };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bound(file = new FileSecretStore(dir)) {
  return { file, store: bindKeysToOrigins(file, (name) => keyDestination(name, settings)) };
}

describe('keys bound to the origin they were saved for', () => {
  it('stores the origin with the key and hands the key out while the address stays', async () => {
    const { file, store } = bound();
    await store.set('openai-compatible', '  sk-local  ');
    expect(decodeBoundKey((await file.get('openai-compatible'))!)).toEqual({
      origin: 'ws://127.0.0.1:9001',
      key: 'sk-local',
    });
    expect(await store.get('openai-compatible')).toBe('sk-local');
    expect(await store.has('openai-compatible')).toBe(true);
    // Another path on the same origin is the same service.
    settings = { ...settings, compatibleUrl: 'http://127.0.0.1:9001/other' };
    expect(await store.get('openai-compatible')).toBe('sk-local');
  });

  it('withholds the key once the address names another origin, and asks for it again', async () => {
    const { store } = bound();
    await store.set('openai-compatible', 'sk-local');
    settings = { ...settings, compatibleUrl: 'ws://127.0.0.1:9002/v1/realtime' };
    const refusal = store.get('openai-compatible');
    await expect(refusal).rejects.toMatchObject({ code: 'PROVIDER_KEY_ORIGIN_CHANGED' });
    await expect(refusal).rejects.toThrow(
      /saved for ws:\/\/127\.0\.0\.1:9001.*now ws:\/\/127\.0\.0\.1:9002.*Enter the key again/,
    );
    expect(await store.has('openai-compatible')).toBe(false);
    // Typing it again binds it to the new address.
    await store.set('openai-compatible', 'sk-local');
    expect(await store.get('openai-compatible')).toBe('sk-local');
  });

  it('refuses to save a compatible server key before its address is set', async () => {
    settings = { ...settings, compatibleUrl: '' };
    const { store } = bound();
    await expect(store.set('openai-compatible', 'sk')).rejects.toMatchObject({ code: 'PROVIDER_URL_INVALID' });
  });

  it('binds cloud keys to their own service and leaves other secrets alone', async () => {
    const { file, store } = bound();
    await store.set('openai', 'sk-openai');
    expect(decodeBoundKey((await file.get('openai'))!)?.origin).toBe('wss://api.openai.com');
    expect(homeOrigin('deepgram')).toBe('wss://api.deepgram.com');
    expect(await store.get('openai')).toBe('sk-openai');
    await store.set('captions-token', 'tok');
    expect(await file.get('captions-token')).toBe('tok');
  });

  it('passes plain keys through: saved before binding existed, or from the environment', async () => {
    const file = new FileSecretStore(dir);
    await file.set('deepgram', 'dg-old');
    const env = withEnvSecrets(file, { EARSHOT_OPENAI_COMPATIBLE_API_KEY: 'from-env' }, { prefer: 'env' });
    const store = bindKeysToOrigins(env, (name) => keyDestination(name, settings));
    expect(await store.get('deepgram')).toBe('dg-old');
    expect(await store.get('openai-compatible')).toBe('from-env');
  });

  it('treats a damaged binding as bound to nowhere', async () => {
    const { file, store } = bound();
    await file.set('openai-compatible', 'earshot-bound-key:v1:{not json');
    await expect(store.get('openai-compatible')).rejects.toMatchObject({ code: 'PROVIDER_KEY_ORIGIN_CHANGED' });
  });
});
