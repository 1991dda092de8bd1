import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src/core/app/app-core.ts';
import type { AppCore } from '../../src/core/app/types.ts';
import { dispatchInvoke } from '../../src/core/ipc/handlers.ts';
import { FileSecretStore } from '../../src/core/secrets/file-secret-store.ts';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from '../../src/shared/ipc/contract.ts';
import type { Result } from '../../src/shared/result.ts';
import { device, FakeCapture } from '../fakes/fake-launchers.ts';

/**
 * The server presets through the app core's request boundary (the one the window's IPC and
 * the web bridge share): bad addresses and missing models are refused with the fix in the
 * message, and a key saved for a team server stays bound to that server's address.
 */
const MIC = device('Mic A', { isDefault: true });
let dir: string;
let core: AppCore;

function call<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<Result<InvokeResponse<C>>> {
  return dispatchInvoke(core.handlers, channel, payload) as Promise<Result<InvokeResponse<C>>>;
}

async function value<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<InvokeResponse<C>> {
  const result = await call(channel, payload);
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function refusal<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<string> {
  const result = await call(channel, payload);
  if (result.ok) throw new Error(`${channel} was accepted`);
  return `${result.error.code}: ${result.error.message}`;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-server-presets-'));
  core = await createAppCore({
    userDataDir: dir,
    spawn: () => {
      throw new Error('these tests start no child process');
    },
    entries: { capture: 'capture-entry.js', engine: 'engine-entry.js' },
    secrets: new FileSecretStore(dir),
    appVersion: 'test',
    transport: 'web',
    launch: { capture: () => new FakeCapture([MIC]) },
  });
});

afterEach(async () => {
  await core.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('server presets at the request boundary', () => {
  it('refuses a bad address or an empty model, naming the field and the fix, and keeps the old value', async () => {
    await value('settings.update', { provider: 'speaches', speachesUrl: 'http://gpu-box:8000/v1' });
    expect(await refusal('settings.update', { speachesUrl: 'ftp://gpu-box:8000' })).toMatch(
      /^IPC_INVALID_PAYLOAD: .*"speachesUrl": The address must start with wss:\/\/, ws:\/\/, https:\/\/ or http:\/\/, not ftp:/,
    );
    expect(await refusal('settings.update', { speachesModel: '' })).toMatch(
      /"speachesModel": Speaches needs the name of the model it serves \(for example Systran\/faster-distil-whisper-small\.en\): enter it in Settings/,
    );
    expect(await value('settings.get', undefined)).toMatchObject({
      speachesUrl: 'http://gpu-box:8000/v1',
      speachesModel: 'Systran/faster-distil-whisper-small.en',
    });
  });

  it('says which address is missing when a session starts on a server with none', async () => {
    await value('settings.update', { provider: 'vllm' });
    expect(await refusal('session.start', { deviceKey: MIC.key })).toBe(
      'PROVIDER_URL_INVALID: Set the vLLM address in Settings first.',
    );
  });

  it('binds a team server key to its address: a new address asks for it again', async () => {
    expect(await refusal('secrets.set', { provider: 'vllm', key: 'team-token' })).toMatch(
      /^PROVIDER_URL_INVALID: Enter the server URL before its API key/,
    );
    await value('settings.update', { vllmUrl: 'ws://gpu-box:8000/v1/realtime' });
    await value('secrets.set', { provider: 'vllm', key: 'team-token' });
    expect((await value('secrets.status', undefined)).vllm).toBe(true);
    // Same origin, another path: still the same server.
    await value('settings.update', { vllmUrl: 'http://gpu-box:8000/v1' });
    expect((await value('secrets.status', undefined)).vllm).toBe(true);
    await value('settings.update', { vllmUrl: 'ws://other-box:8000/v1/realtime' });
    expect((await value('secrets.status', undefined)).vllm).toBe(false);
    // The Speaches key is its own, unaffected.
    expect((await value('secrets.status', undefined)).speaches).toBe(false);
  });
});
