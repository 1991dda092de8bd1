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
    const gaps: number[] = [];
    for (let k = 0; k < 40; k++) gaps.push(clock.observe(160, 1530 + k * 10));
    const reported = gaps.filter((g) => g > 0);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeCloseTo(1500, 0);
    expect(clock.timeOfSample(320)).toBeCloseTo(1520, 0);
  });

  it('reports no gap when a busy event loop delivers queued audio in a burst', () => {
    const clock = new CaptureClock(16000);
    clock.observe(160, 10);
    // 500 ms without a callback, then all 50 queued 10 ms chunks at once.
    const gaps = Array.from({ length: 50 }, () => clock.observe(160, 510));
    expect(gaps.every((g) => g === 0)).toBe(true);
  });

  it('refuses to guess before any audio arrived', () => {
    expect(() => new CaptureClock(16000).timeOfSample(0)).toThrow(/no audio/);
  });
});
