import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../platform/backoff.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import type { SpillStore } from './spill-file.ts';

/** A spill store in memory: what was appended, and how often it was emptied. */
class MemorySpill implements SpillStore {
  samples: number[] = [];
  resets = 0;
  disposed = false;
  append(samples: Int16Array): void {
    this.samples.push(...samples);
  }
  read(offset: number, count: number): Int16Array {
    return Int16Array.from(this.samples.slice(offset, offset + count));
  }
  reset(): void {
    this.samples = [];
    this.resets += 1;
  }
  dispose(): void {
    this.disposed = true;
  }
}

const frame = (start: number, n = 4): Int16Array => Int16Array.from({ length: n }, (_, i) => start + i);
const collect = (buffer: ReplayBuffer, from: number): number[] => [...buffer.from(from)].flatMap((c) => [...c.samples]);

describe('ReplayBuffer', () => {
  it('numbers samples from the start of the session and releases only a prefix', () => {
    const buffer = new ReplayBuffer(1000);
    for (let i = 0; i < 5; i++) expect(buffer.push(frame(i * 4)).start).toBe(i * 4);
    expect([buffer.start, buffer.end, buffer.bufferedMs]).toEqual([0, 20, 20]);
    expect(buffer.release(6)).toBe(6); // mid-frame
    expect(collect(buffer, 0)).toEqual(Array.from({ length: 14 }, (_, i) => i + 6));
    expect(collect(buffer, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i + 10));
    expect(buffer.release(3)).toBe(0); // never backwards
    expect(buffer.release(99)).toBe(14); // clamped to what was captured
    expect(buffer.isEmpty).toBe(true);
    expect(collect(buffer, 0)).toEqual([]);
  });

  it('stays correct across compaction of a long session', () => {
    const buffer = new ReplayBuffer(16_000);
    for (let i = 0; i < 5000; i++) {
      buffer.push(frame(i * 4));
      if (i % 3 === 0) buffer.release(i * 4 - 8);
    }
    expect(buffer.start).toBe(4998 * 4 - 8); // the last release
    expect(collect(buffer, buffer.start)[0]).toBe(buffer.start);
    expect(collect(buffer, buffer.start).at(-1)).toBe(buffer.end - 1);
  });

  it("keeps each sample's capture time through partial releases and reads", () => {
    const buffer = new ReplayBuffer(1000); // 1 sample = 1 ms
    buffer.push(frame(0, 10), 5_000);
    buffer.push(frame(10, 10)); // no capture time given: the audio clock (sample index as ms)
    buffer.release(4);
    expect([...buffer.from(0)].map((c) => [c.start, c.captureMs])).toEqual([
      [4, 5_004],
      [10, 10],
    ]);
    expect([...buffer.from(13)].map((c) => [c.start, c.captureMs])).toEqual([[13, 13]]);
  });
});

describe('ReplayBuffer spilled to disk', () => {
  it('keeps one range: spilled audio first, then memory, in capture order, with capture times', () => {
    const buffer = new ReplayBuffer(1000);
    const store = new MemorySpill();
    buffer.attachSpill(store);
    for (let i = 0; i < 10; i++) buffer.push(frame(i * 4), 100 + i * 4);
    buffer.release(2);
    expect(buffer.spill(22)).toBe(20); // mid-frame
    expect([buffer.start, buffer.memoryStart, buffer.end, buffer.spilledMs]).toEqual([2, 22, 40, 20]);
    expect(store.samples).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(collect(buffer, 0)).toEqual(Array.from({ length: 38 }, (_, i) => i + 2));
    expect(collect(buffer, 30)).toEqual(Array.from({ length: 10 }, (_, i) => i + 30));
    expect([...buffer.from(5)][0]).toMatchObject({ start: 5, captureMs: 105 });
    // More spilled later joins the same range.
    buffer.spill(30);
    expect(collect(buffer, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 20));
    // A partial release keeps the store; releasing all of it empties it (the disk space comes back).
    buffer.release(10);
    expect([store.resets, collect(buffer, 0)[0]]).toEqual([0, 10]);
    buffer.release(31);
    expect([store.resets, buffer.spilledMs, collect(buffer, 0)[0]]).toEqual([1, 0, 31]);
    // The next outage starts the store over at its own first sample.
    buffer.push(frame(40));
    buffer.spill(36);
    expect(store.samples).toEqual([31, 32, 33, 34, 35]);
    expect(collect(buffer, 0)).toEqual(Array.from({ length: 13 }, (_, i) => i + 31));
    buffer.dispose();
    expect(store.disposed).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially to the cap, with full jitter', () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, opts, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(200);
    expect(backoffDelay(3, opts, () => 0)).toBe(50); // never zero
  });
});
