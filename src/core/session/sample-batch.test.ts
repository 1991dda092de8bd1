import { describe, expect, it } from 'vitest';
import { SampleBatch } from './sample-batch.ts';

describe('SampleBatch', () => {
  it('joins consecutive chunks in order, up to its limit', () => {
    const batch = new SampleBatch(6);
    expect(batch.add(Int16Array.of(1, 2))).toBe(true);
    expect(batch.add(Int16Array.of(3, 4))).toBe(true);
    expect(batch.add(Int16Array.of(5, 6, 7))).toBe(false); // would pass 6: left for the next batch
    expect(batch.take()).toEqual(Int16Array.of(1, 2, 3, 4));
    expect(batch.take()).toBeNull();
  });

  it('hands a single chunk back without copying, even one over the limit', () => {
    const batch = new SampleBatch(2);
    const chunk = Int16Array.of(1, 2, 3);
    expect(batch.add(chunk)).toBe(true);
    expect(batch.take()).toBe(chunk);
  });
});
