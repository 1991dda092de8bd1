import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_DEVICE_KEY } from '../shared/devices.ts';
import { mic } from '../shared/testing/devices.ts';
import { harnessPerTest, startCapture, until } from './testing/service-harness.ts';

// CaptureService's answers to a device that stalls or vanishes, on an in-memory audio world
// (testing/fake-audio.ts) under fake timers. The PulseAudio suites (tests/integration/capture*)
// confirm the same end to end on real streams.

const micA = mic('Mic A', 1, true);
const micB = mic('Mic B', 2);
const world = harnessPerTest([micA, micB]);

describe('a chosen microphone that goes away', () => {
  it('falls back to the default device when it is lost, and switches back when it returns', async () => {
    const h = world();
    await h.ask(startCapture(micB.key));
    const first = h.audio.latest;
    first.speak(3);
    await until(() => h.audio.presenceWatched.includes(micB.key), 'a presence watch on Mic B');

    h.audio.unplug(micB.key);
    await until(() => h.of('device-lost').length === 1, 'device-lost');
    expect(h.of('device-lost')[0]?.lost).toMatchObject({ lostKey: micB.key, fallbackKey: DEFAULT_DEVICE_KEY });
    await until(() => h.audio.live[0]?.device.key === micA.key, 'capture to continue on the default (Mic A)');
    expect(first.closed).toBe(true);
    expect(h.audio.live).toHaveLength(1);
    h.audio.latest.speak(2);
    expect(h.seqs()).toEqual([0, 1, 2, 3, 4]);

    // Not back yet: the watch probes in a helper process and finds nothing to restore.
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.of('device-restored')).toEqual([]);

    h.audio.plug(micB);
    await until(() => h.of('device-restored').length === 1, 'device-restored', 5000);
    expect(h.of('device-restored')[0]?.device.key).toBe(micB.key);
    expect(h.audio.live.map((s) => s.device.key)).toEqual([micB.key]);
    expect(h.audio.maxInUse).toBe(1);
    h.audio.latest.speak(1);
    expect(h.seqs()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stays on the default when the returning device is listed but will not open', async () => {
    const h = world();
    await h.ask(startCapture(micB.key));
    h.audio.latest.speak(1);
    await until(() => h.audio.presenceWatched.includes(micB.key), 'a presence watch on Mic B');
    h.audio.unplug(micB.key);
    await until(() => h.audio.live[0]?.device.key === micA.key, 'the fallback to Mic A');

    h.audio.plug(micB);
    h.audio.makeBusy(micB.key);
    await vi.advanceTimersByTimeAsync(6000);
    expect(h.of('device-restored')).toEqual([]);
    expect(h.audio.live.map((s) => s.device.key)).toEqual([micA.key]);
    expect(h.of('error')).toEqual([]);
  });
});

describe('a stream that stalls', () => {
  it('is reopened on the same device, with no loss reported, when the device still opens', async () => {
    const h = world();
    await h.ask(startCapture(micB.key));
    const first = h.audio.latest;
    first.speak(2);
    first.stall();
    await until(() => h.audio.streams.length === 2 && h.audio.live.length === 1, 'a reopened stream');
    expect(h.audio.latest.device.key).toBe(micB.key);
    expect(first.closed).toBe(true);
    expect(h.of('device-lost')).toEqual([]);
    h.audio.latest.speak(1);
    expect(h.seqs()).toEqual([0, 1, 2]);
  });

  it('is reported lost, and capture falls back, when the reopen fails', async () => {
    const h = world();
    await h.ask(startCapture(micB.key));
    h.audio.latest.speak(2);
    h.audio.makeBusy(micB.key);
    h.audio.latest.stall();
    await until(() => h.of('device-lost').length === 1, 'device-lost');
    expect(h.of('device-lost')[0]?.lost).toMatchObject({ lostKey: micB.key, fallbackKey: DEFAULT_DEVICE_KEY });
    await until(() => h.audio.live[0]?.device.key === micA.key, 'the fallback to Mic A');
    expect(h.logs.some((l) => l.startsWith('info: reopening “Mic B” failed'))).toBe(true);
  });

  it('gives a device that opens but never delivers two reopens, then stops with DEVICE_LOST when fallback is off', async () => {
    const h = world();
    await h.ask(startCapture(micB.key, { fallbackToDefault: false }));
    for (let opened = 1; opened <= 3; opened++) {
      await until(() => h.audio.streams.length === opened && h.audio.live.length === 1, `open number ${opened}`);
      h.audio.latest.stall();
    }
    await until(() => h.of('error').length === 1, 'the capture error');
    expect(h.of('device-lost')[0]?.lost).toMatchObject({ lostKey: micB.key, fallbackKey: null });
    expect(h.of('error')[0]?.error.code).toBe('DEVICE_LOST');
    expect(h.audio.streams).toHaveLength(3);
    expect(h.audio.live).toEqual([]);
  });

  it('is treated like a stall when the audio pauses and resumes, or the stream ends by itself', async () => {
    const h = world();
    await h.ask(startCapture(micB.key));
    h.audio.latest.speak(1);
    h.audio.latest.pauseAndResume(400);
    await vi.advanceTimersByTimeAsync(200);
    expect(h.audio.streams).toHaveLength(1);

    h.audio.latest.pauseAndResume(1500);
    await until(() => h.audio.streams.length === 2 && h.audio.live.length === 1, 'a reopen after the pause');
    h.audio.latest.speak(1);
    h.audio.latest.end(new Error('Unanticipated host error'));
    await until(() => h.audio.streams.length === 3 && h.audio.live.length === 1, 'a reopen after the end');
    expect(h.logs.some((l) => l.includes('stopped delivering audio (Unanticipated host error)'))).toBe(true);
  });
});

describe('"System default" chosen', () => {
  it('follows the system default when it moves to another device', async () => {
    const h = world();
    await h.ask(startCapture(DEFAULT_DEVICE_KEY));
    expect(h.audio.latest.device.key).toBe(micA.key);
    h.audio.latest.speak(2);

    h.audio.setDefault(micB.key);
    await until(() => h.audio.live[0]?.device.key === micB.key, 'capture to follow the default to Mic B', 15_000);
    expect(
      h
        .of('devices-changed')
        .at(-1)
        ?.devices.find((d) => d.isDefault)?.key,
    ).toBe(micB.key);
    expect(h.audio.latest.key).toBe(DEFAULT_DEVICE_KEY);
    expect(h.audio.live).toHaveLength(1);
    h.audio.latest.speak(1);
    expect(h.seqs()).toEqual([0, 1, 2]);
  });

  it('stays on the microphone when the sound server makes an output’s monitor its default source', async () => {
    const h = world();
    await h.ask(startCapture(DEFAULT_DEVICE_KEY));
    const monitor = { ...mic('System audio — Speakers', 3), kind: 'system' as const };
    h.audio.plug(monitor);
    h.audio.setDefault(monitor.key);
    await until(() => h.of('devices-changed').length === 1, 'devices-changed', 15_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.audio.streams).toHaveLength(1);
    expect(h.audio.live[0]?.device.key).toBe(micA.key);
  });

  it('does not move a microphone chosen by name when the default changes', async () => {
    const h = world();
    await h.ask(startCapture(micA.key));
    h.audio.setDefault(micB.key);
    await until(() => h.of('devices-changed').length === 1, 'devices-changed', 15_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.audio.streams).toHaveLength(1);
    expect(h.audio.live[0]?.device.key).toBe(micA.key);
  });
});
