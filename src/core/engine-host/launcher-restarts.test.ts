import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scriptedLives, type Life } from '../../../tests/fakes/scripted-engine-child.ts';
import { ENGINE_RESTART_POLICY, startLocalEngine, type LocalEngine } from './launcher.ts';

/**
 * The engine's restart policy against fake engine children whose every life is scripted
 * (tests/fakes/scripted-engine-child.ts). The clock is fake, so minutes of backoff take no time.
 */
let engine: LocalEngine | null = null;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(async () => {
  const stopping = engine?.stop();
  engine = null;
  await vi.runAllTimersAsync();
  await stopping;
  vi.useRealTimers();
});

describe('the engine restart policy', () => {
  it('restarts an engine that crashes 8 times in a row, with capped backoff, until it comes back', async () => {
    const lives: Life[] = ['up', ...Array<Life>(7).fill('crash'), 'up'];
    const { spawn, children, startedAt, configs } = scriptedLives(lives);
    const cap = 400;
    engine = await startLocalEngine({
      spawn,
      modulePath: '/engine.js',
      modelDir: '/m',
      backoffBaseMs: 50,
      backoffMaxMs: cap,
    });
    const crashes: { attempt: number; willRestart: boolean }[] = [];
    engine.on('crash', (_reason, attempt, willRestart) => crashes.push({ attempt, willRestart }));
    let restarted = 0;
    engine.on('restarted', () => (restarted += 1));

    children[0]!.crash();
    // Ten capped delays are more than enough for eight restarts.
    for (let i = 0; i < 10 && restarted === 0; i += 1) await vi.advanceTimersByTimeAsync(cap * 1.2);

    expect(children).toHaveLength(9);
    expect(restarted).toBe(1);
    expect(crashes.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(crashes.every((c) => c.willRestart)).toBe(true);
    // Backoff: the waits grow, and never past the cap (±20% spread).
    const waits = startedAt.slice(2).map((at, i) => at - startedAt[i + 1]!);
    for (const wait of waits) expect(wait).toBeLessThanOrEqual(cap * 1.2);
    expect(waits.at(-1)!).toBeGreaterThanOrEqual(cap * 0.8);
    expect(waits[0]!).toBeLessThan(cap * 0.8);
    // Same address and token every time: a client only reconnects.
    expect(new Set(configs).size).toBe(1);
  });

  it('never gives up on an engine that once ran, by default', () => {
    expect(ENGINE_RESTART_POLICY.maxRestarts).toBe(Number.POSITIVE_INFINITY);
    expect(ENGINE_RESTART_POLICY.backoffMaxMs).toBeLessThanOrEqual(30_000);
  });

  it('keeps restarting well past the old limit of 6 while the crash loop lasts', async () => {
    const { spawn, children } = scriptedLives(['up', 'crash']);
    engine = await startLocalEngine({
      spawn,
      modulePath: '/engine.js',
      modelDir: '/m',
      backoffBaseMs: 10,
      backoffMaxMs: 100,
    });
    children[0]!.crash();
    await vi.advanceTimersByTimeAsync(60 * 120);
    // One attempt per capped delay at worst: about 60 in these 7.2 s of fake time.
    expect(children.length).toBeGreaterThan(50);
  });

  it('ends the start with ENGINE_START_FAILED when a new engine crashes before it was ever ready', async () => {
    const { spawn, children } = scriptedLives(['crash']);
    const starting = startLocalEngine({ spawn, modulePath: '/engine.js', modelDir: '/m', backoffBaseMs: 10 });
    const outcome = expect(starting).rejects.toMatchObject({
      code: 'ENGINE_START_FAILED',
      message: expect.stringContaining(
        `crashed ${ENGINE_RESTART_POLICY.startAttempts} times while starting`,
      ) as unknown,
    });
    await vi.advanceTimersByTimeAsync(5_000);
    await outcome;
    expect(children).toHaveLength(ENGINE_RESTART_POLICY.startAttempts);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(children).toHaveLength(ENGINE_RESTART_POLICY.startAttempts);
  });
});
