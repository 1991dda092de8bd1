import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withEnvSecrets, secretEnvNames } from './env-secrets.ts';
import { FileSecretStore, SECRETS_FILE_NAME } from './file-secret-store.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-secrets-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';

describe('FileSecretStore', () => {
  it('stores, reads back, reports and deletes a key across instances', async () => {
    const store = new FileSecretStore(join(dir, 'user-data'));
    expect(await store.get('openai')).toBeNull();
    expect(await store.has('openai')).toBe(false);
    await store.set('openai', '  sk-test-123  ');
    await store.set('deepgram', 'dg-456');
    const again = new FileSecretStore(join(dir, 'user-data'));
    expect(await again.get('openai')).toBe('sk-test-123');
    expect(await again.has('deepgram')).toBe(true);
    await again.delete('openai');
    expect(await store.get('openai')).toBeNull();
    expect(await store.get('deepgram')).toBe('dg-456');
  });

  it.skipIf(!posix)('writes the file readable by its owner only (0600) (skipped off POSIX: no mode bits)', async () => {
    const store = new FileSecretStore(dir);
    await store.set('assemblyai', 'aai-key');
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!posix)('restricts a file that others could read (skipped off POSIX: no mode bits)', async () => {
    await writeFile(join(dir, SECRETS_FILE_NAME), JSON.stringify({ version: 1, secrets: { openai: 'sk-x' } }));
    await chmod(join(dir, SECRETS_FILE_NAME), 0o644);
    const store = new FileSecretStore(dir);
    expect(await store.get('openai')).toBe('sk-x');
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it('keeps concurrent writes', async () => {
    const store = new FileSecretStore(dir);
    await Promise.all([store.set('openai', 'a'), store.set('deepgram', 'b'), store.set('assemblyai', 'c')]);
    const file = JSON.parse(await readFile(store.path, 'utf8')) as { secrets: Record<string, string> };
    expect(file.secrets).toEqual({ openai: 'a', deepgram: 'b', assemblyai: 'c' });
  });

  it('refuses names that could escape the folder, and empty keys', async () => {
    const store = new FileSecretStore(dir);
    await expect(store.set('../evil', 'x')).rejects.toMatchObject({ code: 'SECRETS_FAILED' });
    await expect(store.get('OpenAI')).rejects.toMatchObject({ code: 'SECRETS_FAILED' });
    await expect(store.set('openai', '   ')).rejects.toMatchObject({ code: 'SECRETS_FAILED' });
  });

  it('keeps a damaged key file aside and starts empty', async () => {
    await writeFile(join(dir, SECRETS_FILE_NAME), '{"version":1,"secrets":{"openai":');
    const store = new FileSecretStore(dir);
    expect(await store.get('openai')).toBeNull();
    const names = await readdir(dir);
    const kept = names.find((n) => n.startsWith('secrets.corrupt-'));
    expect(kept).toBeDefined();
    expect(await readFile(join(dir, kept!), 'utf8')).toBe('{"version":1,"secrets":{"openai":');
    await store.set('openai', 'fresh');
    expect(await store.get('openai')).toBe('fresh');
  });
});

describe('withEnvSecrets', () => {
  it('names EARSHOT_<NAME>_API_KEY first, then the provider’s own variable', () => {
    expect(secretEnvNames('openai')).toEqual(['EARSHOT_OPENAI_API_KEY', 'OPENAI_API_KEY']);
    expect(secretEnvNames('openai-compatible')).toEqual(['EARSHOT_OPENAI_COMPATIBLE_API_KEY']);
  });

  it('lets the environment win when asked to (CLI), and fall back otherwise (app)', async () => {
    const file = new FileSecretStore(dir);
    await file.set('openai', 'stored');
    const env = { OPENAI_API_KEY: 'from-env', EARSHOT_DEEPGRAM_API_KEY: ' dg-env ' };
    const cli = withEnvSecrets(file, env, { prefer: 'env' });
    const app = withEnvSecrets(file, env, { prefer: 'store' });
    expect(await cli.get('openai')).toBe('from-env');
    expect(await app.get('openai')).toBe('stored');
    expect(await app.get('deepgram')).toBe('dg-env');
    expect(await app.has('deepgram')).toBe(true);
    expect(await app.has('assemblyai')).toBe(false);
    // Writes go to the store only.
    await app.set('assemblyai', 'aai');
    expect(await file.get('assemblyai')).toBe('aai');
  });
});
