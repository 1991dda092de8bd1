import { describe, expect, it } from 'vitest';
import { decideAfterRendererGone, RENDERER_RELOAD_POLICY } from './renderer-reloads.ts';

const policy = { maxReloads: 3, windowMs: 60_000 };

describe('decideAfterRendererGone', () => {
  it('reloads a crash while the budget lasts, then shows the crash page', () => {
    let reloads: readonly number[] = [];
    const actions: string[] = [];
    for (const at of [1_000, 2_000, 3_000, 4_000]) {
      const decision = decideAfterRendererGone('crashed', reloads, at, policy);
      actions.push(decision.action);
      reloads = decision.reloads;
    }
    expect(actions).toEqual(['reload', 'reload', 'reload', 'show-crash-page']);
    expect(reloads).toEqual([1_000, 2_000, 3_000]);
  });

  it('forgets reloads older than the window, so a rare crash is always reloaded', () => {
    const decision = decideAfterRendererGone('oom', [0, 10_000, 20_000], 60_001, policy);
    expect(decision).toEqual({ action: 'reload', reloads: [10_000, 20_000, 60_001] });
    // A crash every 25 s for ever: never more than 3 in a minute, always reloaded.
    let reloads: readonly number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const next = decideAfterRendererGone('crashed', reloads, i * 25_000, policy);
      expect(next.action, `crash ${i}`).toBe('reload');
      reloads = next.reloads;
    }
    expect(reloads.length).toBeLessThanOrEqual(3);
  });

  it('ignores a renderer that exited cleanly, without spending the budget', () => {
    expect(decideAfterRendererGone('clean-exit', [5], 10, policy)).toEqual({ action: 'ignore', reloads: [5] });
  });

  it('treats every other reason (killed, oom, launch-failed, integrity-failure) as a crash', () => {
    for (const reason of ['killed', 'oom', 'launch-failed', 'integrity-failure', 'abnormal-exit', 'memory-eviction']) {
      expect(decideAfterRendererGone(reason, [], 0, policy).action, reason).toBe('reload');
    }
  });

  it('allows a few reloads a minute by default', () => {
    expect(RENDERER_RELOAD_POLICY.maxReloads).toBeGreaterThanOrEqual(1);
    expect(RENDERER_RELOAD_POLICY.maxReloads).toBeLessThanOrEqual(5);
    expect(RENDERER_RELOAD_POLICY.windowMs).toBeGreaterThanOrEqual(30_000);
  });
});
