import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FinishDeadline, undrainedWarning } from './finish-deadline.ts';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('a stopping session’s deadline', () => {
  it('cuts a wait short at the deadline, also one that began before the deadline was set', async () => {
    const deadline = new FinishDeadline();
    const never = new Promise<boolean>(() => {});
    const waiting = deadline.race(never, false);
    deadline.set(1_000);
    let result: boolean | null = null;
    void waiting.then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(999);
    expect(result).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toBe(false);
    expect(deadline.passed).toBe(true);
    // Past the deadline, a new wait ends at once.
    expect(await deadline.race(never, false)).toBe(false);
  });

  it('lets work that finishes in time through, and keeps the earlier of two deadlines', async () => {
    const deadline = new FinishDeadline();
    deadline.set(1_000);
    deadline.set(5_000);
    expect(await deadline.race(Promise.resolve(true), false)).toBe(true);
    await expect(deadline.race(Promise.reject(new Error('source failed')), undefined)).rejects.toThrow('source failed');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(deadline.passed).toBe(true);
  });

  it('leaves no timer behind after reset, and the next run has no deadline', async () => {
    const deadline = new FinishDeadline();
    deadline.set(1_000);
    deadline.reset();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(deadline.passed).toBe(false);
  });

  it('says why the last words are missing: the quit, or the drain’s own timeout', () => {
    const deadline = new FinishDeadline();
    expect(undrainedWarning('OpenAI', 15_000, deadline)).toEqual({
      code: 'DRAIN_TIMEOUT',
      message: 'OpenAI did not deliver the last words within 15 s; everything received is saved.',
    });
    deadline.set(0);
    vi.advanceTimersByTime(0);
    expect(undrainedWarning('OpenAI', 15_000, deadline).code).toBe('QUIT_DRAIN_CUT');
  });
});
