import { describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../shared/audio-frame.ts';
import { PreRollRing } from './pre-roll.ts';

const frame = (seq: number): AudioFrame => ({
  seq,
  captureTimeMs: seq * 20,
  sampleRate: 16000,
  samples: new Int16Array(320),
});

describe('PreRollRing', () => {
  it('holds about 500 ms: the newest 25 frames of 20 ms, oldest first', () => {
    const ring = PreRollRing.forDuration(500, 20);
    expect(ring.capacity).toBe(25);
    for (let i = 0; i < 60; i++) ring.push(frame(i));
    expect(ring.drain().map((f) => f.seq)).toEqual(Array.from({ length: 25 }, (_, k) => 35 + k));
    expect(ring.size).toBe(0);
  });

  it('drains fewer frames than it holds when asked (a shorter pre-roll setting)', () => {
    const ring = new PreRollRing(10);
    for (let i = 0; i < 4; i++) ring.push(frame(i));
    expect(ring.drain(2).map((f) => f.seq)).toEqual([2, 3]);
  });

  it('keeps nothing when the pre-roll is off', () => {
    const ring = PreRollRing.forDuration(0, 20);
    ring.push(frame(1));
    expect(ring.drain()).toEqual([]);
  });
});
