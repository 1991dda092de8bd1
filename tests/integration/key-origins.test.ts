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
import { FakeOpenAi } from '../fakes/fake-openai.ts';
import { startHeaderRecorder, type HeaderRecorder } from '../helpers/header-recorder.ts';

/**
 * A saved key goes only to the origin it was saved for: the real app core (handler table,
 * settings, key file, session, WebSocket) against a service on one port and a recorder of
 * every header on a second port.
 */
const KEY = 'sk-bound-to-first-origin-0123456789';
const MIC = device('Mic A', { isDefault: true });

let dir: string;
let core: AppCore;
let service: FakeOpenAi;
let other: HeaderRecorder;

function call<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<Result<InvokeResponse<C>>> {
  return dispatchInvoke(core.handlers, channel, payload) as Promise<Result<InvokeResponse<C>>>;
}

async function value<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<InvokeResponse<C>> {
  const result = await call(channel, payload);
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-key-origins-'));
  service = await new FakeOpenAi({ apiKey: KEY }).start();
  other = await startHeaderRecorder();
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
  await service.close();
  await other.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a saved key and the address it was saved for', () => {
  it('is sent to its own origin, withheld from another one, and sent there only once typed again', async () => {
    await value('settings.update', { provider: 'openai-compatible', compatibleUrl: service.url });
    await value('secrets.set', { provider: 'openai-compatible', key: KEY });
    expect((await value('session.start', { deviceKey: MIC.key })).state).toBe('streaming');
    await value('session.stop', undefined);

    // The address now names another port of the same machine: another origin.
    await value('settings.update', { compatibleUrl: other.url });
    expect((await value('secrets.status', undefined))['openai-compatible']).toBe(false);
    const refused = await call('session.start', { deviceKey: MIC.key });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('PROVIDER_KEY_ORIGIN_CHANGED');
    expect(refused.error.message).toContain(`saved for ws://127.0.0.1:${service.port}`);
    expect(refused.error.message).toContain('Enter the key again');
    expect(other.saw(KEY)).toBe(false);
    expect(other.requests).toHaveLength(0);

    // The person types the key again for the new address: only now does it go there.
    await value('secrets.set', { provider: 'openai-compatible', key: KEY });
    await call('session.start', { deviceKey: MIC.key });
    expect(other.requests.length).toBeGreaterThan(0);
    expect(other.saw(KEY)).toBe(true);
  });

  it('refuses an address that is not a WebSocket endpoint, saying what to fix', async () => {
    const result = await call('settings.update', { compatibleUrl: 'ws+unix:///var/run/docker.sock:/v1' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // Refused at the IPC boundary (the settings schema is the request's), naming the field and the fix.
    expect(result.error.code).toBe('IPC_INVALID_PAYLOAD');
    expect(result.error.message).toMatch(
      /"compatibleUrl": The address must start with wss:\/\/, ws:\/\/, https:\/\/ or http:\/\//,
    );
    const credentials = await call('settings.update', { compatibleUrl: 'https://me:pw@example.org/v1' });
    expect(credentials.ok ? '' : credentials.error.message).toMatch(/user name or password/);
    expect((await value('settings.get', undefined)).compatibleUrl).toBe('');
  });
});
