import { afterEach, describe, expect, it, vi } from 'vitest';
import { CAPTURE_PROTOCOL_VERSION, type HelperRequestBody } from '../shared/capture-protocol.ts';
import type { DeviceInfo } from '../shared/devices.ts';
import { probeInSubprocess } from './device-probe.ts';
import { DeviceWatch } from './device-watch.ts';
import { HelperClient } from './helper-client.ts';
import { PresenceWatch } from './presence-watch.ts';
import { portAudioBackend } from './portaudio-backend.ts';

// The capture process must never start a process itself (a utility process cannot fork, and
// the packaged binary cannot run as plain Node): any use of child_process here fails the test.
vi.mock('node:child_process', () => {
  const forbidden = (): never => {
    throw new Error('the capture process started a process itself instead of asking its parent');
  };
  return { spawn: forbidden, fork: forbidden, exec: forbidden, execFile: forbidden, spawnSync: forbidden };
});

const v = CAPTURE_PROTOCOL_VERSION;
const device: DeviceInfo = {
  key: 'ALSA:earshot_mic_b',
  name: 'Mic B',
  index: 3,
  hostApi: 'ALSA',
  maxInputChannels: 2,
  defaultSampleRate: 44100,
  isDefault: false,
  kind: 'microphone',
};

/** The parent's side: what the capture process asked for, in order, and a way to wait for the next request. */
function parent(): {
  requests: HelperRequestBody[];
  client: HelperClient;
  next: (what: string) => Promise<HelperRequestBody>;
} {
  const requests: HelperRequestBody[] = [];
  let waiter: ((r: HelperRequestBody) => void) | null = null;
  const client = new HelperClient((request) => {
    requests.push(request);
    waiter?.(request);
    waiter = null;
  });
  const next = (what: string): Promise<HelperRequestBody> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out after 3000 ms waiting for ${what}`)), 3000);
      waiter = (request) => {
        clearTimeout(timer);
        resolve(request);
      };
    });
  return { requests, client, next };
}

const watches: DeviceWatch[] = [];
afterEach(() => {
  for (const watch of watches.splice(0)) watch.dispose();
});

describe('the capture process asks its parent for helper processes', () => {
  it('a probe is a spawn-helper request; its result comes back as a helper message', async () => {
    const { requests, client } = parent();
    const result = probeInSubprocess(client, device.key);
    expect(requests).toEqual([{ type: 'spawn-helper', id: 1, mode: 'probe', key: device.key }]);
    client.deliver({
      v,
      type: 'helper-message',
      id: 1,
      message: { v, type: 'probe-result', devices: [device], openable: true, cpuMs: 80 },
    });
    expect(await result).toEqual({ devices: [device], openable: true });
    // The parent stops a helper after its final message; its exit notice is not news.
    client.deliver({ v, type: 'helper-exit', id: 1, code: 0, signal: null, detail: 'stopped' });
    expect(client.running).toBe(0);
    expect(requests).toHaveLength(1);
  });

  it('a probe that ends without an answer fails with the reason its parent relayed', async () => {
    const { client } = parent();
    const result = probeInSubprocess(client);
    client.deliver({
      v,
      type: 'helper-exit',
      id: 1,
      code: 1,
      signal: null,
      detail: 'EarshotError: The audio library could not be loaded',
    });
    await expect(result).rejects.toThrow('device probe failed: EarshotError: The audio library could not be loaded');
  });

  it('a presence watcher reports the device gone once, and stopping it asks the parent to stop the helper', () => {
    const { requests, client } = parent();
    const gone = vi.fn();
    const ended = vi.fn();
    const first = new PresenceWatch(client, device.key, gone, ended);
    expect(requests).toEqual([{ type: 'spawn-helper', id: 1, mode: 'watch', key: device.key }]);
    client.deliver({ v, type: 'helper-message', id: 1, message: { v, type: 'watch-present' } });
    client.deliver({ v, type: 'helper-message', id: 1, message: { v, type: 'watch-gone', cpuMs: 12 } });
    first.stop();
    expect(gone).toHaveBeenCalledTimes(1);
    expect(ended).not.toHaveBeenCalled();

    const second = new PresenceWatch(client, device.key, gone, ended);
    second.stop();
    client.deliver({ v, type: 'helper-exit', id: 2, code: 0, signal: null, detail: 'stopped' });
    expect(requests.slice(1)).toEqual([
      { type: 'spawn-helper', id: 2, mode: 'watch', key: device.key },
      { type: 'stop-helper', id: 2 },
    ]);
    expect(ended).not.toHaveBeenCalled();

    const third = new PresenceWatch(client, device.key, gone, ended);
    client.deliver({ v, type: 'helper-exit', id: 3, code: null, signal: 'SIGSEGV', detail: 'killed by SIGSEGV' });
    expect(ended).toHaveBeenCalledWith('ended (killed by SIGSEGV)');
    third.stop();
    expect(requests.at(-1)).toEqual({ type: 'spawn-helper', id: 3, mode: 'watch', key: device.key });
  });

  it('while a stream is open, the device watch enumerates and watches presence through helpers only', async () => {
    const { client, next } = parent();
    const changed = vi.fn();
    const watch = new DeviceWatch({
      backend: portAudioBackend(client),
      exclusive: (operation) => operation(),
      streamOpen: () => true,
      lostKey: () => null,
      onChanged: changed,
      onLostReturned: () => {},
      presenceKey: () => device.key,
      onPresentGone: () => {},
      log: () => {},
    });
    watches.push(watch);
    const watcherRequested = next('the presence watcher request');
    expect(await watcherRequested).toMatchObject({ type: 'spawn-helper', mode: 'watch', key: device.key });

    const probeRequested = next('the probe request');
    const listed = watch.list(true);
    const probe = await probeRequested;
    expect(probe).toMatchObject({ type: 'spawn-helper', mode: 'probe', key: null });
    client.deliver({
      v,
      type: 'helper-message',
      id: (probe as { id: number }).id,
      message: { v, type: 'probe-result', devices: [device], openable: null, cpuMs: 70 },
    });
    expect(await listed).toEqual([device]);

    const stopped = next('the watcher to be stopped');
    watch.dispose();
    expect(await stopped).toEqual({ type: 'stop-helper', id: 1 });
  });

  it('stops every helper still running when the capture process shuts down', () => {
    const { requests, client } = parent();
    void probeInSubprocess(client).catch(() => undefined);
    new PresenceWatch(client, device.key, vi.fn(), vi.fn());
    client.dispose();
    expect(requests.slice(2)).toEqual([
      { type: 'stop-helper', id: 1 },
      { type: 'stop-helper', id: 2 },
    ]);
    expect(client.running).toBe(0);
  });
});
