import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AppCore } from '../../src/core/app/types.ts';
import { dispatchInvoke } from '../../src/core/ipc/handlers.ts';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from '../../src/shared/ipc/contract.ts';
import type { Result } from '../../src/shared/result.ts';
import type { CaptionsStatus } from '../../src/shared/captions.ts';
import type { SessionSnapshot } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { ESPEAK_HELDOUT_DIR, OFFLINE_TEST_MODEL, STREAMING_TEST_MODEL, VAD_MODEL } from '../helpers/paths.ts';
import { CoreEventLog } from '../helpers/core-events.ts';
import { startTestCore } from '../helpers/test-core.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';

/**
 * The whole app without a window, through the same handler table Electron and the web
 * bridge serve: the real virtual microphone, the real capture process, the embedded engine
 * with the streaming test model, the session, the journal and the history index.
 */
const unavailable = virtualMicUnavailableReason();

let core: AppCore;

/** Calls a channel the way every front end does: validated, answered with a Result. */
function call<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<Result<InvokeResponse<C>>> {
  return dispatchInvoke(core.handlers, channel, payload) as Promise<Result<InvokeResponse<C>>>;
}

async function value<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<InvokeResponse<C>> {
  const result = await call(channel, payload);
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe.skipIf(unavailable !== null)(`app core end to end${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let mic: VirtualMic;
  let dataDir: string;
  const log = new CoreEventLog();

  beforeAll(async () => {
    mic = await startVirtualMic();
    dataDir = await mkdtemp(join(tmpdir(), 'earshot-core-'));
    core = await startTestCore(dataDir, {
      modelDir: STREAMING_TEST_MODEL,
      vadModelPath: VAD_MODEL,
      captureEnv: mic.env,
    });
    core.subscribe((event, payload) => log.push(event, payload));
  });

  afterAll(async () => {
    await core?.dispose();
    await mic?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('lists the virtual microphones by their stable keys', async () => {
    const devices = await value('devices.list', undefined);
    expect(devices.map((d) => d.key)).toEqual(expect.arrayContaining([mic.deviceKey('a'), mic.deviceKey('b')]));
  });

  it('transcribes speech played into Mic B, then finds it in History after Stop', async () => {
    const started = await value('session.start', { deviceKey: mic.deviceKey('b') });
    expect(started.state).toBe('streaming');
    expect((await value('settings.get', undefined)).deviceKey).toBe(mic.deviceKey('b'));

    await mic.play(join(ESPEAK_HELDOUT_DIR, 'test-0000.wav'), 'b');
    await log.waitFor('a final transcript', () =>
      log.of<TranscriptEvent>('transcript').some((e) => e.isFinal && e.text.length > 0),
    );

    const stopped = await value('session.stop', undefined);
    expect(stopped.state).toBe('idle');
    const finals = log.of<TranscriptEvent>('transcript').filter((e) => e.isFinal);
    const text = finals.map((f) => f.text).join(' ');
    // The test model reads this clip as "is the byt encryption key with".
    expect(text).toContain('encryption');
    expect(new Set(finals.map((f) => f.segmentId)).size).toBe(finals.length);

    const states = log.of<SessionSnapshot>('status').map((s) => s.state);
    expect(states).toEqual(expect.arrayContaining(['starting', 'streaming', 'stopping', 'idle']));

    const hits = await value('history.search', { query: 'encryption' });
    expect(hits).toHaveLength(1);
    const detail = await value('history.open', { id: hits[0]!.id });
    expect(detail.segments.map((s) => s.text).join(' ')).toBe(text);

    // The transcript stays exportable after Stop.
    const srt = await value('transcript.export', { format: 'srt' });
    expect(srt.text).toMatch(/^1\r?\n\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d/);
    expect(srt.fileName).toMatch(/\.srt$/);
  });

  it('switches microphones mid-session without stopping: speech on the new one is transcribed', async () => {
    await value('session.start', { deviceKey: mic.deviceKey('b') });
    const before = log.of<TranscriptEvent>('transcript').filter((e) => e.isFinal).length;
    await value('devices.select', { key: mic.deviceKey('a') });
    await log.waitFor('the status to name Mic A', () =>
      log.of<SessionSnapshot>('status').some((s) => s.state === 'streaming' && s.deviceName === mic.deviceName('a')),
    );
    await mic.play(join(ESPEAK_HELDOUT_DIR, 'test-0004.wav'), 'a');
    await log.waitFor(
      'a final from Mic A',
      () => log.of<TranscriptEvent>('transcript').filter((e) => e.isFinal && e.text).length > before,
    );
    const stopped = await value('session.stop', undefined);
    expect(stopped.state).toBe('idle');
    expect((await value('settings.get', undefined)).deviceKey).toBe(mic.deviceKey('a'));
  });

  it('keeps API keys write-only: status says a key is set, nothing reads it back', async () => {
    await value('secrets.set', { provider: 'deepgram', key: 'dg-secret-123' });
    expect(await value('secrets.status', undefined)).toMatchObject({ deepgram: true, openai: false });
    const everyPayload = JSON.stringify(log.events);
    expect(everyPayload).not.toContain('dg-secret-123');
    const settingsFile = await readFile(join(dataDir, 'settings.json'), 'utf8').catch(() => '');
    expect(settingsFile).not.toContain('dg-secret-123');
  });

  it('refuses a cloud session without a key, with an error a person can act on, and stays usable', async () => {
    const result = await call('session.start', { provider: 'openai' });
    expect(result).toMatchObject({ ok: false, error: { code: 'PROVIDER_KEY_MISSING' } });
    expect(log.of<SessionSnapshot>('status').at(-1)).toMatchObject({
      state: 'error',
      error: { code: 'PROVIDER_KEY_MISSING' },
    });
    expect((await value('session.stop', undefined)).state).toBe('idle');
    await value('settings.update', { provider: 'local' });
  });
});

describe('app core start-up with a corrupt settings file', () => {
  it('starts on defaults, keeps the bad file aside and tells the person', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'earshot-corrupt-'));
    try {
      await writeFile(join(dir, 'settings.json'), '{"deviceKey": "ALSA:mic", "preRollMs": ');
      const started = await startTestCore(dir);
      const statuses: SessionSnapshot[] = [];
      started.subscribe((event, payload) => {
        if (event === 'status') statuses.push(payload as SessionSnapshot);
      });
      await started.dispose();
      expect(statuses[0]?.warnings).toEqual([
        { code: 'SETTINGS_CORRUPT', message: expect.stringContaining('settings.corrupt-') as string },
      ]);
      const kept = (await readdir(dir)).filter((f) => f.startsWith('settings.corrupt-'));
      expect(kept).toHaveLength(1);
      expect(await readFile(join(dir, kept[0]!), 'utf8')).toBe('{"deviceKey": "ALSA:mic", "preRollMs": ');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('app core with a model shipped in the installer', () => {
  it('lists the bundled model as installed and active, and refuses to delete it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'earshot-bundled-'));
    const bundledDir = join(dir, 'resources-models');
    await mkdir(bundledDir);
    // A link, not a copy: model files are used by path, never duplicated.
    await symlink(OFFLINE_TEST_MODEL, join(bundledDir, 'earshot-test-ctc-en'));
    const bundledCore = await startTestCore(join(dir, 'user'), { bundledModelsDir: bundledDir });
    try {
      const listed = await dispatchInvoke(bundledCore.handlers, 'models.list', undefined);
      expect(listed).toMatchObject({
        ok: true,
        value: { activeModelId: 'earshot-test-ctc-en', installed: [{ id: 'earshot-test-ctc-en', bundled: true }] },
      });
      const deleted = await dispatchInvoke(bundledCore.handlers, 'models.delete', { id: 'earshot-test-ctc-en' });
      expect(deleted).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
      expect(await readdir(bundledDir)).toEqual(['earshot-test-ctc-en']);
    } finally {
      await bundledCore.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('app core captions switch', () => {
  it('starts the captions server from Settings, counts a subscriber, and stops it again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'earshot-captions-'));
    const captionsCore = await startTestCore(dir);
    const events = new CoreEventLog();
    captionsCore.subscribe((event, payload) => events.push(event, payload));
    try {
      await dispatchInvoke(captionsCore.handlers, 'settings.update', { captions: { port: 0 } });
      const enabled = await dispatchInvoke(captionsCore.handlers, 'captions.setEnabled', { enabled: true });
      if (!enabled.ok) throw new Error(enabled.error.message);
      const status = enabled.value as CaptionsStatus;
      expect(status).toMatchObject({ running: true, host: '127.0.0.1' });
      const overlay = new URL(status.overlayUrl!);
      const token = overlay.searchParams.get('token') ?? new URLSearchParams(overlay.hash.slice(1)).get('token');
      expect(token).toBeTruthy();

      const socket = new WebSocket(`${status.captionsUrl!}?token=${token!}`);
      const first = await new Promise<{ type: string }>((resolve, reject) => {
        socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as { type: string }));
        socket.once('error', reject);
      });
      expect(first.type).toBe('snapshot');
      await events.waitFor('a captions status with one subscriber', () =>
        events.of<CaptionsStatus>('captions').some((s) => s.subscribers === 1),
      );
      socket.close();

      const disabled = await dispatchInvoke(captionsCore.handlers, 'captions.setEnabled', { enabled: false });
      expect(disabled).toMatchObject({ ok: true, value: { running: false, overlayUrl: null } });
    } finally {
      await captionsCore.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
