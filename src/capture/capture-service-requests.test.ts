import { describe, expect, it } from 'vitest';
import type { OpenedStream } from '../shared/capture-protocol.ts';
import { mic } from '../shared/testing/devices.ts';
import { harnessPerTest, settle, startCapture } from './testing/service-harness.ts';

// CaptureService's requests on an in-memory audio world (testing/fake-audio.ts) under fake
// timers: device switches while audio flows, and requests that arrive faster than devices open.

const micA = mic('Mic A', 1, true);
const micB = mic('Mic B', 2);
const micC = mic('Mic C', 3);
const world = harnessPerTest([micA, micB, micC]);
const switchTo = (deviceKey: string) => ({ type: 'set-device', deviceKey }) as const;

describe('set-device while capturing', () => {
  it('switches the open stream to the new device, frame numbers running on', async () => {
    const h = world();
    await h.ask(startCapture(micA.key));
    const first = h.audio.latest;
    first.speak(2);

    const opened = (await h.ask(switchTo(micB.key))) as OpenedStream;
    expect(opened.device.key).toBe(micB.key);
    expect(first.closed).toBe(true);
    expect(h.audio.live.map((s) => s.device.key)).toEqual([micB.key]);
    h.audio.latest.speak(2);
    expect(h.seqs()).toEqual([0, 1, 2, 3]);
    expect(h.of('stream-opened').map((e) => e.stream.device.key)).toEqual([micA.key, micB.key]);
  });

  it('refuses an unknown device without touching the open stream', async () => {
    const h = world();
    await h.ask(startCapture(micA.key));
    const first = h.audio.latest;

    await expect(h.ask(switchTo('ALSA:Mic Z'))).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect(first.closed).toBe(false);
    expect(h.audio.streams).toHaveLength(1);
    first.speak(1);
    expect(h.seqs()).toEqual([0]);
  });

  it('goes back to the previous device when the new one will not open, and says why', async () => {
    const h = world();
    await h.ask(startCapture(micA.key));
    h.audio.makeBusy(micB.key);

    await expect(h.ask(switchTo(micB.key))).rejects.toMatchObject({ code: 'DEVICE_OPEN_FAILED' });
    expect(h.audio.live.map((s) => s.device.key)).toEqual([micA.key]);
    expect(h.logs).toContain(`warn: switching to ${micB.key} failed; going back to ${micA.key}`);
    h.audio.latest.speak(1);
    expect(h.seqs()).toEqual([0]);
  });

  it('while idle, only remembers the choice: it answers null and opens nothing', async () => {
    const h = world();
    expect(await h.ask(switchTo(micC.key))).toBeNull();
    expect(h.audio.streams).toEqual([]);
  });
});

describe('requests that arrive faster than devices open', () => {
  it('run one at a time, in order: never two streams at once, the last choice wins', async () => {
    const h = world();
    await h.ask(startCapture(micA.key));
    const answered: string[] = [];
    const replies = [micB, micC, micB].map((device) =>
      h.send(switchTo(device.key)).then((value) => {
        answered.push((value as OpenedStream).device.key);
      }),
    );
    await settle(Promise.all(replies), 'all three switches');

    expect(answered).toEqual([micB.key, micC.key, micB.key]);
    expect(h.audio.streams.map((s) => s.device.key)).toEqual([micA.key, micB.key, micC.key, micB.key]);
    expect(h.audio.live.map((s) => s.device.key)).toEqual([micB.key]);
    expect(h.audio.maxInUse).toBe(1);
  });

  it('a start sent while its monitor is still opening waits for it and reuses the warm stream', async () => {
    const h = world();
    const monitoring = h.send({ type: 'monitor', deviceKey: micA.key, sampleRate: 16000 });
    const starting = h.send(startCapture(micA.key, { preRollMs: 500 }));
    const [monitored, started] = await settle(Promise.all([monitoring, starting]), 'both replies');

    expect(started).toEqual(monitored);
    expect(h.audio.streams).toHaveLength(1);
    h.audio.latest.speak(2);
    expect(h.of('frame').map((f) => [f.seq, f.preRoll])).toEqual([
      [0, false],
      [1, false],
    ]);
  });

  it('a failing request does not block the ones queued behind it', async () => {
    const h = world();
    await h.ask(startCapture(micA.key));
    const busy = h.send(startCapture(micB.key));
    const switched = h.send(switchTo(micC.key));
    await expect(settle(busy, 'the second start')).rejects.toMatchObject({ code: 'SESSION_BUSY' });
    expect(((await settle(switched, 'the switch')) as OpenedStream).device.key).toBe(micC.key);
  });
});
