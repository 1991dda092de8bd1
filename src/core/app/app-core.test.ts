import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { device, FakeCapture, FakeEngines } from '../../../tests/fakes/fake-launchers.ts';
import { SyntheticSource } from '../../../tests/fakes/synthetic-source.ts';
import { synthesizeSpeech } from '../../../tests/fakes/word-audio.ts';
import { CoreEventLog } from '../../../tests/helpers/core-events.ts';
import { within } from '../../../tests/helpers/wait.ts';
import type { CaptionsStatus } from '../../shared/captions.ts';
import type { DeviceInfo } from '../../shared/devices.ts';
import { EarshotError } from '../../shared/errors.ts';
import type { InvokeChannel, InvokeRequest, InvokeResponse } from '../../shared/ipc/contract.ts';
import type { Result } from '../../shared/result.ts';
import type { SessionSnapshot } from '../../shared/session.ts';
import type { TranscriptEvent } from '../../shared/transcript.ts';
import { dispatchInvoke } from '../ipc/handlers.ts';
import { createAppCore } from './app-core.ts';
import type { AppCore, SecretStore } from './types.ts';

/**
 * The app core's controllers (session, providers, captions, handler table, event hub) with a
 * fake capture host and fake engine launches: no sound system, no model, no child process.
 * The real ones are covered end to end in tests/integration/app-core.test.ts.
 */
const MIC_A = device('Mic A', { isDefault: true });
const MIC_B = device('Mic B', { index: 1 });
const SPEAKERS = device('System audio — Speakers', { index: 2, kind: 'system' });

function memorySecrets(): SecretStore {
  const keys = new Map<string, string>();
  return {
    set: (name, value) => Promise.resolve(void keys.set(name, value)),
    get: (name) => Promise.resolve(keys.get(name) ?? null),
    delete: (name) => Promise.resolve(void keys.delete(name)),
    has: (name) => Promise.resolve(keys.has(name)),
  };
}

let dir: string;
let capture: FakeCapture;
/** Meeting mode's second capture process (system audio), launched by the core on first use. */
let systemCapture: FakeCapture;
let captureLaunches: number;
let engines: FakeEngines;
let core: AppCore;
let log: CoreEventLog;

function call<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<Result<InvokeResponse<C>>> {
  return dispatchInvoke(core.handlers, channel, payload) as Promise<Result<InvokeResponse<C>>>;
}

async function value<C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>): Promise<InvokeResponse<C>> {
  const result = await call(channel, payload);
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-app-core-'));
  capture = new FakeCapture([MIC_A, MIC_B]);
  systemCapture = new FakeCapture([MIC_A, MIC_B, SPEAKERS]);
  captureLaunches = 0;
  engines = new FakeEngines();
  log = new CoreEventLog();
  core = await createAppCore({
    userDataDir: dir,
    spawn: () => {
      throw new Error('these tests start no child process');
    },
    entries: { capture: 'capture-entry.js', engine: 'engine-entry.js' },
    secrets: memorySecrets(),
    modelDir: join(dir, 'test-model'),
    vadModelPath: join(dir, 'vad.onnx'),
    appVersion: 'test',
    transport: 'web',
    launch: { capture: () => (captureLaunches++ === 0 ? capture : systemCapture), engine: engines.launch },
  });
  core.subscribe((event, payload) => log.push(event, payload));
});

afterEach(async () => {
  await core.dispose();
  await engines.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('app core with fake capture and engine', () => {
  it('passes the capture host device list through, at start and on refresh', async () => {
    expect(await value('devices.list', undefined)).toEqual([MIC_A, MIC_B]);
    // A front end that subscribed after start-up still hears the list.
    await log.waitFor('the device list at start', () => log.of<DeviceInfo[]>('devicesChanged').length > 0);
    expect(log.of<DeviceInfo[]>('devicesChanged')[0]).toEqual([MIC_A, MIC_B]);

    const plugged = device('USB headset', { index: 2 });
    capture.devices = [...capture.devices, plugged];
    expect(await value('devices.refresh', undefined)).toEqual([MIC_A, MIC_B, plugged]);
    await log.waitFor('the list with the headset', () =>
      log.of<DeviceInfo[]>('devicesChanged').some((list) => list.some((d) => d.key === plugged.key)),
    );
  });

  it('starts a session on the local engine, transcribes the microphone, and drains on stop', async () => {
    // No silence after the last word: only the stop's drain can finalize the second utterance.
    capture.speech = synthesizeSpeech(
      16_000,
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { tailMs: 0 },
    );
    const started = await value('session.start', { deviceKey: MIC_B.key, provider: 'local' });
    expect(started.state).toBe('streaming');
    expect(started.deviceName).toBe('Mic B');
    expect(engines.started).toHaveLength(1);
    expect(engines.started[0]!.options).toMatchObject({
      modelDir: join(dir, 'test-model'),
      vadModelPath: join(dir, 'vad.onnx'),
    });
    expect(capture.starts).toEqual([expect.objectContaining({ deviceKey: MIC_B.key, sampleRate: 16_000 })]);
    expect((await value('settings.get', undefined)).deviceKey).toBe(MIC_B.key);

    await within(capture.played, { what: 'the fake microphone to deliver all its speech', timeoutMs: 15_000 });
    const finalsBeforeStop = log.of<TranscriptEvent>('transcript').filter((e) => e.isFinal);
    expect(finalsBeforeStop.map((f) => f.text)).not.toContain('w4 w5 w6');
    const stopped = await value('session.stop', undefined);
    expect(stopped.state).toBe('idle');
    const finals = log.of<TranscriptEvent>('transcript').filter((e) => e.isFinal);
    expect(finals.map((f) => f.text)).toEqual(['w1 w2 w3', 'w4 w5 w6']);
    expect(capture.capturing).toBe(false);
    expect(log.of<SessionSnapshot>('status').map((s) => s.state)).toEqual(
      expect.arrayContaining(['starting', 'streaming', 'stopping', 'idle']),
    );
    // The finished session went to history, and stays exportable.
    expect((await value('history.list', undefined)).map((s) => s.id)).toEqual([started.sessionId]);
    expect((await value('transcript.export', { format: 'txt' })).text).toContain('w4 w5 w6');
  });

  it('reports an engine that cannot start with its code, opens no microphone, and can start again', async () => {
    engines.failWith = new EarshotError(
      'MODEL_INVALID',
      'The speech model files are damaged (encoder.onnx is missing).',
    );
    const result = await call('session.start', { deviceKey: MIC_B.key, provider: 'local' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'MODEL_INVALID', message: 'The speech model files are damaged (encoder.onnx is missing).' },
    });
    const snapshot = await value('session.get', undefined);
    expect(snapshot.state).toBe('error');
    expect(snapshot.error?.code).toBe('MODEL_INVALID');
    expect(log.of<SessionSnapshot>('status').at(-1)?.error?.code).toBe('MODEL_INVALID');
    expect(capture.starts).toEqual([]);

    engines.failWith = null;
    expect((await value('session.start', { deviceKey: MIC_B.key, provider: 'local' })).state).toBe('streaming');
    expect((await value('session.stop', undefined)).state).toBe('idle');
  });

  it('turns the captions server on and off from the toggle, keeping the setting', async () => {
    await value('settings.update', { captions: { port: 0 } });
    const on = await value('captions.setEnabled', { enabled: true });
    expect(on.running).toBe(true);
    expect(on.port).toBeGreaterThan(0);
    expect(on.captionsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    expect((await value('settings.get', undefined)).captions.enabled).toBe(true);
    await log.waitFor('a captions status that says running', () =>
      log.of<CaptionsStatus>('captions').some((s) => s.running),
    );

    const off = await value('captions.setEnabled', { enabled: false });
    expect(off.running).toBe(false);
    expect((await value('captions.status', undefined)).running).toBe(false);
    expect((await value('settings.get', undefined)).captions.enabled).toBe(false);
  });

  it('stops the session, the microphone and the engine on dispose', async () => {
    await value('session.start', { deviceKey: MIC_A.key, provider: 'local' });
    await core.dispose();
    expect(log.of<SessionSnapshot>('status').at(-1)?.state).toBe('idle');
    expect(capture.disposed).toBe(true);
    expect(engines.started.map((e) => e.stopped)).toEqual([true]);
  });
});

describe('app core in meeting mode (fake capture and engine)', () => {
  it('starting with a system device runs both sources, labels every event, and remembers the choice', async () => {
    // You speak first, the other side answers after you: no overlap, so the echo guard keeps both.
    capture.speech = synthesizeSpeech(16_000, [[1, 2, 3]], { leadMs: 400, tailMs: 3000 });
    systemCapture.speech = synthesizeSpeech(16_000, [[7, 8, 9]], { leadMs: 2000, tailMs: 1400 });
    expect((await value('settings.get', undefined)).systemDeviceKey).toBeNull();

    const started = await value('session.start', {
      deviceKey: MIC_B.key,
      provider: 'local',
      systemDeviceKey: SPEAKERS.key,
    });
    expect(started.state).toBe('streaming');
    expect(captureLaunches).toBe(2);
    expect(capture.starts).toEqual([expect.objectContaining({ deviceKey: MIC_B.key })]);
    expect(systemCapture.starts).toEqual([
      expect.objectContaining({ deviceKey: SPEAKERS.key, fallbackToDefault: false }),
    ]);
    expect(started.system).toMatchObject({ deviceKey: SPEAKERS.key, deviceName: 'System audio — Speakers' });
    expect(started.echoGuard).toBe(true);
    expect((await value('settings.get', undefined)).systemDeviceKey).toBe(SPEAKERS.key);

    await within(Promise.all([capture.played, systemCapture.played]), {
      what: 'both fake sources to deliver their speech',
      timeoutMs: 15_000,
    });
    await value('session.stop', undefined);
    const finals = log.of<TranscriptEvent>('transcript').filter((e) => e.isFinal);
    expect(finals.map((f) => [f.source, f.text])).toEqual(
      expect.arrayContaining([
        ['mic', 'w1 w2 w3'],
        ['system', 'w7 w8 w9'],
      ]),
    );
    expect(finals.every((f) => f.source === 'mic' || f.source === 'system')).toBe(true);
    const exported = (await value('transcript.export', { format: 'txt' })).text;
    expect(exported).toBe('You: w1 w2 w3\nOthers: w7 w8 w9\n');
    expect(systemCapture.capturing).toBe(false);

    // The next start without options is a meeting again (the choice is remembered); null turns it off.
    await value('settings.update', { micSpeakerName: 'Ana', systemSpeakerName: 'Team' });
    expect((await value('transcript.export', { format: 'txt' })).text).toBe('Ana: w1 w2 w3\nTeam: w7 w8 w9\n');
    const alone = await value('session.start', { systemDeviceKey: null });
    expect(alone.system ?? null).toBeNull();
    expect((await value('settings.get', undefined)).systemDeviceKey).toBeNull();
    await value('session.stop', undefined);
  });

  it('keeps transcribing the microphone when the system audio cannot be opened, and says so', async () => {
    capture.speech = synthesizeSpeech(16_000, [[1, 2, 3]], { tailMs: 1500 });
    systemCapture.devices = [MIC_A, MIC_B]; // the output went away before Start
    const started = await value('session.start', {
      deviceKey: MIC_A.key,
      provider: 'local',
      systemDeviceKey: SPEAKERS.key,
    });
    expect(started.state).toBe('streaming');
    expect(started.system?.state).toBe('error');
    expect(started.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'DEVICE_NOT_FOUND',
          message: expect.stringMatching(/^System audio: /) as unknown,
        }),
      ]),
    );
    expect(systemCapture.starts).toHaveLength(1);
    expect(capture.starts).toHaveLength(1); // never the default microphone in its place

    await within(capture.played, { what: 'the microphone to deliver its speech', timeoutMs: 15_000 });
    await value('session.stop', undefined);
    const finals = log.of<TranscriptEvent>('transcript').filter((e) => e.isFinal);
    expect(finals.map((f) => [f.source, f.text])).toEqual([['mic', 'w1 w2 w3']]);
  });

  it('relays each source’s level, the system one marked as such', async () => {
    await value('session.start', { deviceKey: MIC_A.key, provider: 'local', systemDeviceKey: SPEAKERS.key });
    capture.emit('level', { rmsDb: -30, peakDb: -20 });
    systemCapture.emit('level', { rmsDb: -40, peakDb: -35 });
    await log.waitFor('both levels', () => log.of('level').length >= 2);
    expect(log.of('level')).toEqual([
      { rmsDb: -30, peakDb: -20 },
      { rmsDb: -40, peakDb: -35, source: 'system' },
    ]);
    await value('session.stop', undefined);
  });
});

describe('app core with built-in system audio (macOS/Windows display-media route, faked)', () => {
  const BUILT_IN = device('System audio — everything this computer plays', { index: 9, kind: 'system' });

  it('lists the built-in system audio among the devices and runs it as the meeting’s second source', async () => {
    await core.dispose();
    const sources: SyntheticSource[] = [];
    core = await createAppCore({
      userDataDir: join(dir, 'built-in'),
      spawn: () => {
        throw new Error('these tests start no child process');
      },
      entries: { capture: 'capture-entry.js', engine: 'engine-entry.js' },
      secrets: memorySecrets(),
      modelDir: join(dir, 'test-model'),
      vadModelPath: join(dir, 'vad.onnx'),
      appVersion: 'test',
      transport: 'web',
      launch: { capture: () => capture, engine: engines.launch },
      systemAudio: {
        device: BUILT_IN,
        createSource: (rate) => {
          const speech = synthesizeSpeech(rate, [[7, 8, 9]], { leadMs: 2000, tailMs: 1400 });
          const source = new SyntheticSource(rate, speech.samples);
          sources.push(source);
          return source;
        },
      },
    });
    core.subscribe((event, payload) => log.push(event, payload));
    capture.speech = synthesizeSpeech(16_000, [[1, 2, 3]], { leadMs: 400, tailMs: 3000 });

    expect(await value('devices.list', undefined)).toEqual([MIC_A, MIC_B, BUILT_IN]);
    const started = await value('session.start', {
      deviceKey: MIC_A.key,
      provider: 'local',
      systemDeviceKey: BUILT_IN.key,
    });
    expect(started.system).toMatchObject({ deviceKey: BUILT_IN.key, deviceName: BUILT_IN.name });
    expect(sources).toHaveLength(1);
    expect(sources[0]!.sampleRate).toBe(16_000);
    await within(Promise.all([capture.played, sources[0]!.ended]), {
      what: 'both sources to play out',
      timeoutMs: 15_000,
    });
    await value('session.stop', undefined);
    const finals = log.of<TranscriptEvent>('transcript').filter((e) => e.isFinal);
    expect(finals.map((f) => [f.source, f.text])).toEqual(
      expect.arrayContaining([
        ['mic', 'w1 w2 w3'],
        ['system', 'w7 w8 w9'],
      ]),
    );
  });
});
