import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { device, FakeCapture, FakeEngines } from '../../../tests/fakes/fake-launchers.ts';
import { EarshotError } from '../../shared/errors.ts';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from '../../shared/ipc/contract.ts';
import type { Result } from '../../shared/result.ts';
import { dispatchInvoke } from '../ipc/handlers.ts';
import { FileSecretStore } from '../secrets/file-secret-store.ts';
import { Journal } from '../transcript/journal.ts';
import { createAppCore, dataPaths } from './app-core.ts';
import type { AppCore } from './types.ts';

/**
 * The app core's start with damaged or shared stores: whatever History's files look like, the
 * app starts with every service, tells the person once, and loses no session; a second core
 * on the same folder is refused by name; every file with transcript text or keys is 0600.
 */
let dir: string;
let engines: FakeEngines;
const cores: AppCore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-core-stores-'));
  engines = new FakeEngines();
});
afterEach(async () => {
  for (const core of cores.splice(0)) await core.dispose();
  await engines.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<AppCore> {
  const core = await createAppCore({
    userDataDir: dir,
    spawn: () => {
      throw new Error('these tests start no child process');
    },
    entries: { capture: 'capture-entry.js', engine: 'engine-entry.js' },
    secrets: new FileSecretStore(dir),
    modelDir: join(dir, 'test-model'),
    appVersion: 'test',
    transport: 'web',
    launch: { capture: () => new FakeCapture([device('Mic A', { isDefault: true })]), engine: engines.launch },
  });
  cores.push(core);
  return core;
}

async function value<C extends InvokeChannel>(
  core: AppCore,
  channel: C,
  payload: InvokeRequest<C>,
): Promise<InvokeResponse<C>> {
  const result = (await dispatchInvoke(core.handlers, channel, payload)) as Result<InvokeResponse<C>>;
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function writeSession(id: string, text: string, startedAt: number): Promise<void> {
  const journal = Journal.open(dataPaths(dir).journals, {
    sessionId: id,
    startedAt,
    provider: 'local',
    deviceKey: null,
    deviceName: null,
    sampleRate: 16_000,
  });
  journal.appendFinal({ segmentId: 'seg-1', text, isFinal: true, startMs: 0, endMs: 900 });
  await journal.close(startedAt + 1000);
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('app core start with damaged or shared stores', () => {
  it('starts with every service when history.sqlite is garbage, rebuilding History and saying so once', async () => {
    await writeSession('20260101-090000-aaaaaa', 'the quarterly numbers', 1_767_258_000_000);
    writeFileSync(dataPaths(dir).history, randomBytes(32 * 1024));
    const core = await start();

    const snapshot = await value(core, 'session.get', undefined);
    expect(snapshot.state).toBe('idle');
    expect(snapshot.warnings.map((w) => w.code)).toEqual(['HISTORY_REBUILT']);
    expect(snapshot.warnings[0]!.message).toMatch(/history\.corrupt-.*\.sqlite\.$/);
    expect((await value(core, 'history.list', undefined)).map((s) => s.title)).toEqual(['the quarterly numbers']);
    expect(readdirSync(dir).filter((name) => name.startsWith('history.corrupt-'))).toHaveLength(1);
    // The rest of the app works: settings save, devices list.
    expect((await value(core, 'settings.update', { language: 'de' })).language).toBe('de');
    expect(await value(core, 'devices.list', undefined)).toHaveLength(1);
  });

  it('leaves out a journal it cannot read, names it, and lists the others', async () => {
    await writeSession('20260101-090000-aaaaaa', 'kept', 1_767_258_000_000);
    writeFileSync(join(dataPaths(dir).journals, '20260102-bad.jsonl'), '\u0000garbage\n');
    const core = await start();
    const { warnings } = await value(core, 'session.get', undefined);
    expect(warnings).toEqual([
      { code: 'JOURNAL_SKIPPED', message: expect.stringContaining('20260102-bad.jsonl') as string },
    ]);
    expect((await value(core, 'history.list', undefined)).map((s) => s.title)).toEqual(['kept']);
  });

  it('refuses a second core on the same folder by name, and frees the folder on dispose', async () => {
    const first = await start();
    const refused = await start().then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(EarshotError);
    expect((refused as EarshotError).code).toBe('DATA_DIR_IN_USE');
    expect((refused as EarshotError).message).toContain(`Earshot (earshot ui, pid ${process.pid}`);
    // The first one still works.
    expect((await value(first, 'history.list', undefined)).length).toBe(0);

    await first.dispose();
    cores.splice(cores.indexOf(first), 1);
    await expect(start()).resolves.toBeDefined();
  });

  it.skipIf(process.platform === 'win32')(
    'keeps every file with transcript text or keys owner-only, in owner-only folders (skipped on Windows: no POSIX modes)',
    async () => {
      chmodSync(dir, 0o755); // as Electron or an older Earshot left it
      mkdirSync(dataPaths(dir).journals, { mode: 0o755 });
      writeFileSync(join(dir, 'settings.json'), '{}', { mode: 0o644 });
      await writeSession('20260101-090000-aaaaaa', 'private words', 1_767_258_000_000);
      const core = await start();
      await value(core, 'settings.update', { language: 'fr' });
      await value(core, 'secrets.set', { provider: 'openai', key: 'sk-test-1234' });

      expect(mode(dir)).toBe(0o700);
      expect(mode(dataPaths(dir).journals)).toBe(0o700);
      for (const name of [
        'settings.json',
        'secrets.json',
        'history.sqlite',
        'history.sqlite-wal',
        'history.sqlite-shm',
      ])
        expect(mode(join(dir, name)), name).toBe(0o600);
      for (const name of readdirSync(dataPaths(dir).journals))
        expect(mode(join(dataPaths(dir).journals, name)), name).toBe(0o600);
    },
  );
});
