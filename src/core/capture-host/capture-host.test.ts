import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { nextEvent } from '../../../tests/helpers/process-events.ts';
import { CAPTURE_PROTOCOL_VERSION, type CaptureRequest } from '../../shared/capture-protocol.ts';
import { mic } from '../../shared/testing/devices.ts';
import { EarshotError } from '../../shared/errors.ts';
import type { AudioFrame } from '../../shared/audio-frame.ts';
import { parentEnvelopeSchema } from '../../shared/process-envelope.ts';
import { FakeChild, type ShutdownAnswer } from '../../platform/process/testing/fake-child.ts';
import type { SpawnChild } from '../../platform/process/types.ts';
import { CaptureHost } from './capture-host.ts';

/**
 * A scripted stand-in for the capture process, speaking the real protocol in the process
 * envelope. The real process is exercised in tests/integration/capture*.test.ts; this covers
 * what the host must do with any child: replies, events, restarts, bad messages. It says ready
 * once the host listens, answers each request through `respond`, and emits `request` for each.
 */
class CaptureChild extends FakeChild {
  readonly requests: CaptureRequest[] = [];
  readonly events = new EventEmitter<{ request: [CaptureRequest] }>();
  respond: (request: CaptureRequest, child: CaptureChild) => void = (request, child) => child.reply(request.id, null);

  override onShutdown: ShutdownAnswer = 'exit-soon';

  override postMessage(raw: unknown): void {
    super.postMessage(raw);
    const envelope = parentEnvelopeSchema.parse(raw);
    if ('control' in envelope) return;
    const message = envelope.message as CaptureRequest;
    this.requests.push(message);
    this.events.emit('request', message);
    queueMicrotask(() => this.respond(message, this));
  }
  override onMessage(listener: (message: unknown) => void): void {
    super.onMessage(listener);
    queueMicrotask(() => this.control({ type: 'ready' }));
  }
  reply(id: number, value: unknown): void {
    this.send({ v: CAPTURE_PROTOCOL_VERSION, type: 'reply', id, ok: true, value });
  }
  frame(seq: number): void {
    this.send({
      v: CAPTURE_PROTOCOL_VERSION,
      type: 'frame',
      seq,
      captureTimeMs: 1000 + seq * 20,
      sampleRate: 16000,
      samples: new Int16Array(320),
      preRoll: false,
      timing: { callbackMs: 1, sentMs: 2 },
    });
  }
}

const device = mic('mic', 1, true);
const v = CAPTURE_PROTOCOL_VERSION;
const opened = { device, deviceRate: 48000, deviceChannels: 1, sessionRate: 16000 };

let spawned: CaptureChild[] = [];
const spawnFake: SpawnChild = (options) => {
  const child = new CaptureChild(1000 + spawned.length, options);
  child.respond = (request, c) => c.reply(request.id, request.type === 'list-devices' ? [device] : opened);
  spawned.push(child);
  return child;
};

const hosts: CaptureHost[] = [];
function newHost(timeoutMs?: number): CaptureHost {
  const host = new CaptureHost({
    spawn: spawnFake,
    modulePath: '/fake',
    ...(timeoutMs ? { requestTimeoutMs: timeoutMs } : {}),
  });
  hosts.push(host);
  return host;
}

/** A capturing host whose capture process will ask for helpers (and so answers nothing itself). */
async function hostAskedForHelpers(): Promise<{ host: CaptureHost; capture: CaptureChild }> {
  const host = newHost();
  await host.start({ deviceKey: 'ALSA:mic', sampleRate: 16000 });
  const capture = spawned[0]!;
  capture.respond = () => {};
  return { host, capture };
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose()));
  spawned = [];
});

describe('CaptureHost', () => {
  it('sends versioned, numbered requests and resolves with the replies', async () => {
    const host = newHost();
    expect(await host.listDevices()).toEqual([device]);
    expect(await host.start({ deviceKey: 'ALSA:mic', sampleRate: 16000 })).toEqual({ device });
    const [list, start] = spawned[0]!.requests;
    expect(list).toMatchObject({ v: CAPTURE_PROTOCOL_VERSION, type: 'list-devices', refresh: false });
    expect(start).toMatchObject({
      type: 'start',
      deviceKey: 'ALSA:mic',
      sampleRate: 16000,
      preRollMs: 500,
      fallbackToDefault: true,
    });
    expect(start!.id).toBeGreaterThan(list!.id);
  });

  it('turns an error reply into an EarshotError with its code and message', async () => {
    const host = newHost();
    await host.listDevices();
    spawned[0]!.respond = (request, child) =>
      child.send({
        v: CAPTURE_PROTOCOL_VERSION,
        type: 'reply',
        id: request.id,
        ok: false,
        error: { code: 'DEVICE_BUSY', message: '“mic” is in use.' },
      });
    const error = await host.start({ deviceKey: 'ALSA:mic', sampleRate: 16000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EarshotError);
    expect(error).toMatchObject({ code: 'DEVICE_BUSY', message: '“mic” is in use.' });
  });

  it('emits frames, levels and device events, and drops messages the protocol does not allow', async () => {
    const host = newHost();
    const frames: AudioFrame[] = [];
    const levels: unknown[] = [];
    host.on('frame', (f) => frames.push(f));
    host.on('level', (l) => levels.push(l));
    await host.start({ deviceKey: 'ALSA:mic', sampleRate: 16000 });
    const child = spawned[0]!;
    child.frame(0);
    child.send({ v: CAPTURE_PROTOCOL_VERSION, type: 'level', level: { rmsDb: -20, peakDb: -6 } });
    child.send({ v: 99, type: 'level', level: { rmsDb: 0, peakDb: 0 } });
    child.send({ v: CAPTURE_PROTOCOL_VERSION, type: 'frame', seq: 1, samples: [1, 2, 3] });
    child.send({ v: CAPTURE_PROTOCOL_VERSION, type: 'teleport' });
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ seq: 0, sampleRate: 16000, captureTimeMs: 1000 });
    expect(levels).toEqual([{ rmsDb: -20, peakDb: -6 }]);
  });

  it('does not throw on an error event nobody listens to', async () => {
    const host = newHost();
    await host.start({ deviceKey: 'ALSA:mic', sampleRate: 16000 });
    expect(() =>
      spawned[0]!.send({
        v: CAPTURE_PROTOCOL_VERSION,
        type: 'error',
        error: { code: 'DEVICE_LOST', message: 'gone' },
      }),
    ).not.toThrow();
  });

  it('after a crash, reports CAPTURE_CRASHED, restarts the process and resumes with frame numbers continuing', async () => {
    const host = newHost();
    const frames: AudioFrame[] = [];
    const errors: unknown[] = [];
    host.on('frame', (f) => frames.push(f));
    host.on('error', (e) => errors.push(e));
    await host.start({ deviceKey: 'ALSA:mic', sampleRate: 16000, fallbackToDefault: false });
    const first = spawned[0]!;
    first.frame(0);
    first.frame(1);
    const resumed = new Promise<CaptureRequest>((resolve) => {
      const poll = setInterval(() => {
        const start = spawned[1]?.requests.find((r) => r.type === 'start');
        if (start) {
          clearInterval(poll);
          resolve(start);
        }
      }, 10);
      setTimeout(() => clearInterval(poll), 5000).unref();
    });
    first.crash();
    expect(errors).toEqual([expect.objectContaining({ code: 'CAPTURE_CRASHED' })]);
    const restartRequest = await resumed;
    expect(restartRequest).toMatchObject({ deviceKey: 'ALSA:mic', fallbackToDefault: false, preRollMs: 0 });
    spawned[1]!.frame(0);
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2]);
  });

  it('fails a request outstanding when the process crashes, then answers the next one from the restarted process', async () => {
    const host = newHost();
    await host.listDevices();
    const first = spawned[0]!;
    first.respond = () => {};
    const asked = nextEvent<[CaptureRequest]>(first.events, 'request', 'the refresh request to reach the process');
    const outstanding = host.refreshDevices();
    await asked;
    first.crash();
    await expect(outstanding).rejects.toMatchObject({
      code: 'CAPTURE_CRASHED',
      message: 'The audio capture process stopped unexpectedly (killed by SIGSEGV).',
    });
    // Not capturing, so no error event; the next call waits for the restarted process.
    expect(await host.listDevices()).toEqual([device]);
    expect(spawned).toHaveLength(2);
    expect(spawned[1]!.requests).toEqual([expect.objectContaining({ type: 'list-devices' })]);
  });

  it('fails a request the process never answers, naming it', async () => {
    const host = newHost(200);
    await host.listDevices();
    spawned[0]!.respond = () => {};
    await expect(host.refreshDevices()).rejects.toThrow(/did not answer within 0.2 s \(list-devices\)/);
  });

  it('starts the helpers the capture process asks for with its own spawner and entry, relays their words, ends them with it', async () => {
    const { host, capture } = await hostAskedForHelpers();
    capture.send({ v, type: 'spawn-helper', id: 1, mode: 'watch', key: 'ALSA:mic' });
    capture.send({ v, type: 'spawn-helper', id: 2, mode: 'probe', key: null });
    const [watcher, probe] = spawned.slice(1);
    expect(watcher!.options).toMatchObject({ modulePath: '/fake', args: ['--watch', 'ALSA:mic'] });
    expect(probe!.options).toMatchObject({ modulePath: '/fake', args: ['--probe'] });
    expect(host.helperPids).toEqual([watcher!.pid, probe!.pid]);

    const result = { v, type: 'probe-result', devices: [device], openable: null, cpuMs: 50 };
    probe!.send(result);
    // Its last word relayed to the capture process; then it is asked to stop, and it does.
    expect(capture.requests.at(-1)).toEqual({ v, type: 'helper-message', id: 2, message: result });
    await new Promise((resolve) => setImmediate(resolve));
    expect(capture.requests.at(-1)).toMatchObject({ v, type: 'helper-exit', id: 2, detail: 'stopped' });
    expect(host.helperPids).toEqual([watcher!.pid]);

    // The capture process asks to stop the watcher: it is asked to exit.
    capture.send({ v, type: 'stop-helper', id: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.helperPids).toEqual([]);

    // A helper still running when the capture process dies is killed with it.
    capture.send({ v, type: 'spawn-helper', id: 3, mode: 'watch', key: 'ALSA:mic' });
    const orphan = spawned.at(-1)!;
    capture.crash();
    expect(orphan.kills).toEqual(['SIGKILL']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.helperPids).toEqual([]);
  });

  it('relays a helper’s own failure to the capture process as its exit detail, and its log lines to the log', async () => {
    const { capture } = await hostAskedForHelpers();
    capture.send({ v, type: 'spawn-helper', id: 4, mode: 'probe', key: 'ALSA:mic' });
    const probe = spawned[1]!;
    probe.control({ type: 'log', level: 'debug', message: 'enumerating' });
    probe.control({ type: 'fatal', error: { name: 'EarshotError', message: 'The audio library could not be loaded' } });
    // Its fatal word is no helper message: nothing is relayed until it is gone.
    expect(capture.requests.filter((m) => (m as { id?: number }).id === 4)).toEqual([]);
    probe.exit(1);
    expect(capture.requests.at(-1)).toEqual({
      v,
      type: 'helper-exit',
      id: 4,
      code: 1,
      signal: null,
      detail: 'EarshotError: The audio library could not be loaded',
    });
  });
});
