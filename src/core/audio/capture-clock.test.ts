import { describe, expect, it } from 'vitest';
import { CaptureClock } from './capture-clock.ts';

describe('CaptureClock', () => {
  it('takes the earliest arrival as the truth and ignores later jitter', () => {
    const clock = new CaptureClock(48000);
    // Sample 0 was captured at t=1000 ms; 10 ms chunks arrive 1–4 ms late.
    const lateness = [3, 1, 4, 1, 2, 4, 3];
    lateness.forEach((late, k) => clock.observe(480, 1000 + (k + 1) * 10 + late));
    expect(clock.timeOfSample(0)).toBeCloseTo(1001, 1);
    expect(clock.timeOfSample(48000)).toBeCloseTo(2001, 1);
  });

  it('re-anchors after a real gap in the audio', () => {
    const clock = new CaptureClock(16000);
    clock.observe(160, 10);
    clock.observe(160, 20);
    // The device stalled for 1.5 s, then resumed: new samples belong to the new time.
    clock.observe(160, 1530);
    expect(clock.timeOfSample(320)).toBeCloseTo(1520, 0);
  });

  it('refuses to guess before any audio arrived', () => {
    expect(() => new CaptureClock(16000).timeOfSample(0)).toThrow(/no audio/);
  });
});
