import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EarshotError } from '../../shared/errors.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import { concat, ScriptedService } from '../../../tests/fakes/scripted-service.ts';
import { advance, finalTexts, startScripted, type ScriptedRun } from '../../../tests/fakes/scripted-session.ts';
import type { OpenTransport } from './transport.ts';
import type { FailoverOptions } from './session-options.ts';

/**
 * Failover to the embedded engine without sockets: two scripted services, "the cloud" and
 * "the engine", each behind its own URL, under fake timers. These pin the exact handover
 * boundaries; tests/integration/session-outage-failover.test.ts does it with the real engine.
 */
beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(1); // no jitter
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A scripted service's adapter under another name and URL (so one transport can route to both). */
function named(service: ScriptedService, id: ProviderAdapter['id'], url: string): ProviderAdapter {
  const inner = service.adapter;
  return {
    id,
    label: id === 'local' ? 'This computer' : 'The cloud',
    sampleRate: inner.sampleRate,
    maxSessionMs: null,
    replayPacing: null,
    connectRequest: () => ({ url, headers: {} }),
    createStream: () => inner.createStream(),
    classifyHandshake: (status, detail) => inner.classifyHandshake(status, detail),
  };
}

interface FailoverRun extends ScriptedRun {
  readonly cloud: ScriptedService;
  readonly engine: ScriptedService;
}

async function startWithFailover(failover: Partial<FailoverOptions> = {}): Promise<FailoverRun> {
  const cloud = new ScriptedService();
  const engine = new ScriptedService();
  const engineAdapter = named(engine, 'local', 'scripted://engine');
  const openTransport: OpenTransport = (request, options, listener) =>
    (request.url === 'scripted://engine' ? engine : cloud).openTransport(request, options, listener);
  const run = await startScripted({
    provider: named(cloud, 'deepgram', 'scripted://cloud'),
    openTransport,
    backoff: { baseMs: 100, maxMs: 1_000 },
    failover: { resolve: () => Promise.resolve(engineAdapter), afterMs: 15_000, probeMs: 5_000, ...failover },
  });
  return { ...run, cloud, engine };
}

/** `seconds` of audio a second at a time, fake time passing with it. */
async function talk(run: ScriptedRun, seconds: number): Promise<void> {
  for (let s = 0; s < seconds; s++) {
    run.capture(16_000);
    await advance(1_000);
  }
}

describe('Session failover to this computer (scripted services, fake timers)', () => {
  it('hands over at the accounted boundary when the cloud stays unreachable, and back when it returns', async () => {
    const run = await startWithFailover();
    const cloud1 = run.cloud.connection(1);
    await run.speak(1_000);
    cloud1.text('a', 'hello', false, 100, 500);
    const partial = run.events.at(-1)!;
    cloud1.text('z', 'earlier words', true, 0, 90);
    cloud1.settle(6_400); // the cloud accounted for the first 0.4 s
    run.cloud.refusing = true;
    cloud1.drop();

    await talk(run, 14);
    expect(run.engine.connections).toHaveLength(0); // not yet: the threshold is 15 s
    await talk(run, 1);
    // Within the threshold the engine took over, from exactly where the cloud's accounting stood.
    const engine1 = run.engine.connection(1);
    expect(run.session.state).toBe('streaming');
    expect(run.session.snapshot.servingProvider).toBe('local');
    expect(run.warnings).toEqual([expect.stringMatching(/^FAILOVER_ACTIVE: The cloud has been unreachable for 15 s/)]);
    expect(engine1.audio).toEqual(run.source.captured().subarray(6_400));
    // The partial on screen continues in place, now written by this computer.
    engine1.text('a', 'hello world', true, 0, 700);
    expect(run.events.at(-1)).toMatchObject({
      segmentId: partial.segmentId,
      text: 'hello world',
      isFinal: true,
      startMs: 400,
      provider: 'local',
    });
    await talk(run, 2);
    engine1.settle(engine1.audio.length);

    // The cloud answers again: after the probe interval it is opened beside the engine and,
    // at a turn boundary, audio moves back to it; the engine finishes its own range.
    run.cloud.refusing = false;
    await advance(5_000);
    await run.speak(40);
    const cloud2 = run.cloud.connections.at(-1)!;
    expect(cloud2.index).toBeGreaterThan(1);
    expect(engine1.controls).toEqual(['end']);
    expect(run.session.snapshot.servingProvider).toBeNull();
    expect(run.session.snapshot.warnings).toEqual([]);
    cloud2.text('b', 'back again', true, 0, 20);
    expect(run.events.at(-1)).toMatchObject({ text: 'back again', provider: 'deepgram' });
    const stopped = run.session.stop();
    await advance(0);
    expect((await stopped).state).toBe('idle');

    // No sample twice, none skipped: cloud up to 0.4 s, the engine to the switch, the cloud after.
    const refused = run.cloud.connections.slice(1, -1);
    expect(refused.every((c) => c.audio.length === 0)).toBe(true);
    expect(concat([cloud1.audio.subarray(0, 6_400), engine1.audio, cloud2.audio])).toEqual(run.source.captured());
    expect(finalTexts(run.events)).toEqual(['earlier words', 'hello world', 'back again']);
    expect(run.events.filter((e) => e.isFinal).map((e) => e.provider)).toEqual(['deepgram', 'local', 'deepgram']);
  });

  it('stays on this computer when switching back is off', async () => {
    const run = await startWithFailover({ switchBack: false });
    await run.speak(200);
    run.cloud.refusing = true;
    run.cloud.connection(1).drop();
    await talk(run, 16);
    expect(run.session.snapshot.servingProvider).toBe('local');
    const attempts = run.cloud.connections.length;
    run.cloud.refusing = false;
    await talk(run, 60);
    expect(run.cloud.connections).toHaveLength(attempts);
    expect(run.session.snapshot.servingProvider).toBe('local');
    expect(run.warnings.at(-1)).toMatch(/stays on this computer for the rest of the session/);
    const stopped = run.session.stop();
    await advance(0);
    expect((await stopped).state).toBe('idle');
  });

  it('without an offline model, says so once and keeps recording for the cloud', async () => {
    const run = await startWithFailover({
      resolve: () => Promise.reject(new EarshotError('MODEL_MISSING')),
    });
    await run.speak(200);
    run.cloud.refusing = true;
    run.cloud.connection(1).drop();
    await talk(run, 40);
    expect(run.session.state).toBe('reconnecting');
    expect(run.warnings).toEqual([expect.stringMatching(/^FAILOVER_UNAVAILABLE: The cloud is unreachable/)]);
    run.cloud.refusing = false;
    await advance(1_000);
    expect(run.session.state).toBe('streaming');
    expect(run.cloud.connections.at(-1)!.audio).toEqual(run.source.captured());
    const stopped = run.session.stop();
    await advance(0);
    expect((await stopped).state).toBe('idle');
  });
});
