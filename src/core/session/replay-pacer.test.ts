import { describe, expect, it } from 'vitest';
import { ReplayPacer } from './replay-pacer.ts';

const RATE = 16_000;
/** A 20 ms chunk at session sample `start`, captured at `captureMs`. */
const chunk = (start: number, captureMs: number) => ({ start, captureMs, samples: new Int16Array(320) });

describe('ReplayPacer', () => {
  it('lets the burst go at once, then paces audio at the factor of real time', () => {
    const pacer = new ReplayPacer({ maxRealtimeFactor: 2, burstMs: 500 }, RATE);
    // A 10 s backlog captured in real time (capture clock = audio clock), asked about at t=1000.
    expect(pacer.dueAt(chunk(0, 50_000), 1_000)).toBe(1_000);
    expect(pacer.dueAt(chunk(RATE / 2, 50_500), 1_000)).toBe(1_000); // 500 ms in: within the burst
    expect(pacer.dueAt(chunk(RATE * 2.5, 52_500), 1_000)).toBe(2_000); // 2 s beyond the burst at 2×
    expect(pacer.dueAt(chunk(RATE * 10.5, 60_500), 1_500)).toBe(6_000); // the origin stays fixed
    expect(pacer.durationMs(RATE * 10)).toBe(5_000);
  });

  it('follows the source clock when it runs faster than real time, the audio clock when capture had gaps', () => {
    const pacer = new ReplayPacer({ maxRealtimeFactor: 1.2, burstMs: 0 }, RATE);
    pacer.dueAt(chunk(0, 0), 0);
    // 12 s of audio produced in 0.6 s (a 20× source): due when its own clock says.
    expect(pacer.dueAt(chunk(RATE * 12, 600), 0)).toBeCloseTo(600);
    // 1.2 s of audio whose capture clock jumped an hour (sleep, lost frames): paced by the audio.
    expect(pacer.dueAt(chunk(RATE * 1.2, 3_600_000), 0)).toBeCloseTo(1_000);
  });

  it('paces a source already held to the factor by its samples, not at the factor twice over', () => {
    const pacer = new ReplayPacer({ maxRealtimeFactor: 1.2, burstMs: 0 }, RATE);
    pacer.dueAt(chunk(0, 0), 0);
    // 12 s of audio produced in 10 s (a file sent at 1.2×, backlogged by a reconnect): 1.2×, not 1.44×.
    expect(pacer.dueAt(chunk(RATE * 12, 10_000), 0)).toBeCloseTo(10_000);
  });
});
