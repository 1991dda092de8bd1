import { describe, expect, it, vi } from 'vitest';
import { mic } from '../shared/testing/devices.ts';
import { harnessPerTest, startCapture } from './testing/service-harness.ts';

// Each wake-up of a sleeping process costs CPU on a laptop (issue 15): the stall watch's
// clock runs only while a stream is open. (That it still finds stalls: capture-service-recovery.)

const micA = mic('Mic A', 1, true);
const world = harnessPerTest([micA]);

describe('the stall watch clock', () => {
  it('runs only while a stream is open', async () => {
    const h = world();
    const idleTimers = vi.getTimerCount();

    await h.ask(startCapture(micA.key));
    expect(vi.getTimerCount()).toBe(idleTimers + 1);

    await h.ask({ type: 'stop' });
    expect(h.audio.live).toEqual([]);
    expect(vi.getTimerCount()).toBe(idleTimers);
  });
});
