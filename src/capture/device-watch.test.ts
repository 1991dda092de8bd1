import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeviceInfo } from '../shared/devices.ts';
import { mic } from '../shared/testing/devices.ts';
import type { AudioBackend } from './audio-backend.ts';
import { DeviceWatch, type DeviceWatchOptions } from './device-watch.ts';

/**
 * DeviceWatch with a backend that is told of changes (the sound server, pulse-backend.ts):
 * nothing is polled, ever; each notice updates the list, finds the open device gone or the
 * lost one back.
 */
describe('DeviceWatch, notified by the backend', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const headset: DeviceInfo = { ...mic('Headset microphone', 4), key: 'PulseAudio:headset_mic', hostApi: 'PulseAudio' };
  const builtIn: DeviceInfo = {
    ...mic('Built-in microphone', 1, true),
    key: 'PulseAudio:builtin',
    hostApi: 'PulseAudio',
  };

  function setUp(state: { open?: string | null; lost?: string | null } = {}) {
    let notify: (devices: DeviceInfo[]) => void = () => undefined;
    const listDevices = vi.fn(() => Promise.resolve([builtIn, headset]));
    const probeDevices = vi.fn(() => Promise.resolve({ devices: [builtIn, headset], openable: null }));
    const watchPresence = vi.fn<AudioBackend['watchPresence']>();
    const backend: DeviceWatchOptions['backend'] = {
      listDevices,
      probeDevices,
      watchPresence,
      watchDevices: (onChange) => {
        notify = onChange;
        return { stop: () => (notify = () => undefined) };
      },
    };
    const events = { changed: [] as DeviceInfo[][], gone: [] as string[], returned: 0 };
    const watch = new DeviceWatch({
      backend,
      exclusive: (operation) => operation(),
      streamOpen: () => state.open != null,
      lostKey: () => state.lost ?? null,
      onChanged: (devices) => events.changed.push(devices),
      onLostReturned: () => void (events.returned += 1),
      presenceKey: () => state.open ?? null,
      onPresentGone: (key) => events.gone.push(key),
      log: () => undefined,
    });
    return {
      watch,
      notify: (devices: DeviceInfo[]) => notify(devices),
      listDevices,
      probeDevices,
      watchPresence,
      events,
    };
  }

  it('starts no timer and lists nothing by itself, however long it idles', async () => {
    const { watch, listDevices, probeDevices } = setUp();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(listDevices).not.toHaveBeenCalled();
    expect(probeDevices).not.toHaveBeenCalled();
    watch.dispose();
  });

  it('reports a notified change, and the open device missing from it as gone, without a presence watcher', async () => {
    const state = { open: headset.key as string | null };
    const { watch, notify, watchPresence, events } = setUp(state);
    await watch.list(true);
    notify([builtIn]);
    expect(events.changed).toEqual([[builtIn]]);
    expect(events.gone).toEqual([headset.key]);
    expect(watchPresence).not.toHaveBeenCalled();
    watch.dispose();
  });

  it('says the lost device is back when a notice lists it again', () => {
    const state = { open: 'default' as string | null, lost: headset.key as string | null };
    const { watch, notify, events } = setUp(state);
    notify([builtIn]);
    expect(events.returned).toBe(0);
    notify([builtIn, headset]);
    expect(events.returned).toBe(1);
    // "default" is present while a default microphone is listed.
    expect(events.gone).toEqual([]);
    watch.dispose();
  });
});
