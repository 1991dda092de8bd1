import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';

const lowest = (): number => 0;
const highest = (): number => 1;
const middle = (): number => 0.5;

describe('backoffDelay with full jitter (the default)', () => {
  const opts = { baseMs: 100, maxMs: 1000 };

  it('doubles its cap with each attempt up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, opts, highest))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('draws anywhere from near zero to the cap, never quite zero', () => {
    expect(backoffDelay(3, opts, middle)).toBe(200);
    expect(backoffDelay(3, opts, lowest)).toBe(50);
    // A cap under the floor is itself the floor.
    expect(backoffDelay(1, { baseMs: 20, maxMs: 1000 }, lowest)).toBe(20);
  });

  it('treats attempt 0 like the first retry and uses 250 ms .. 10 s by default', () => {
    expect(backoffDelay(0, opts, highest)).toBe(100);
    expect(backoffDelay(1, DEFAULT_BACKOFF, highest)).toBe(250);
    expect(backoffDelay(20, DEFAULT_BACKOFF, highest)).toBe(10_000);
  });
});

describe('backoffDelay with spread jitter (child process restarts)', () => {
  const opts = { baseMs: 250, maxMs: 10_000, jitter: 'spread' } as const;

  it('stays within ±20% of the doubling cap', () => {
    expect([1, 2, 3].map((a) => backoffDelay(a, opts, lowest))).toEqual([200, 400, 800]);
    expect([1, 2, 3].map((a) => backoffDelay(a, opts, middle))).toEqual([250, 500, 1000]);
    expect([1, 2, 3].map((a) => backoffDelay(a, opts, highest))).toEqual([300, 600, 1200]);
  });

  it('spreads around the maximum once the cap reaches it', () => {
    expect(backoffDelay(10, opts, lowest)).toBe(8000);
    expect(backoffDelay(10, opts, highest)).toBe(12_000);
  });

  it('with the real random source, every delay falls in the band', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(2, opts);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(600);
    }
  });
});
