import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { concat } from '../../../tests/fakes/scripted-service.ts';
import { advance, finalTexts, startScripted, type ScriptedRun } from '../../../tests/fakes/scripted-session.ts';
import { DRAIN_PROBE } from './drain-probe.ts';

/**
 * A service that stops answering right at the end of a stream (drain-probe.ts), without
 * sockets: a scripted in-memory service under fake timers. The heartbeat stays at its 10 s
 * default, so only the drain's own probe can find the silent peer within the drain.
 * tests/integration/transcribe-drain-silent-cli.test.ts proves the same through the CLI.
 */
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  vi.spyOn(Math, 'random').mockReturnValue(1); // no jitter: the reconnect waits the full 100 ms
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** How long, in fake time, the probe lets a peer stay silent before dropping it. */
const SILENT_LIMIT_MS = DRAIN_PROBE.everyMs * DRAIN_PROBE.deadAfter;

/** 1 s of speech on connection 1, its first 0.4 s accounted for and "hello" on screen for the rest. */
async function speakThenStop(run: ScriptedRun): Promise<{ stopped: Promise<unknown>; stoppedAt: number }> {
  const first = run.service.connection(1);
  await run.speak(1_000);
  first.settle(6_400);
  first.text('a', 'hello', false, 400, 900);
  const stoppedAt = Date.now();
  return { stopped: run.session.stop(), stoppedAt };
}

describe('a drain whose service goes silent (scripted service, fake timers)', () => {
  it('drops the silent connection within the probe limit, replays the unaccounted audio, and keeps every word', async () => {
    const run = await startScripted({ backoff: { baseMs: 100, maxMs: 100 } });
    const first = run.service.connection(1);
    first.answersPings = false;
    first.answersEnd = false;
    run.service.answersEnd = false; // connection 2's last final comes before its end, as scripted below
    const { stopped, stoppedAt } = await speakThenStop(run);

    await advance(SILENT_LIMIT_MS - 1);
    expect(first.closedWith).toBeNull(); // still within the limit
    await advance(1);
    expect(first.closedWith).toEqual({ code: 1006, reason: '' });
    expect(first.controls).toEqual(['end']);
    await advance(100); // the reconnect's backoff
    const second = run.service.connection(2);
    // Exactly the audio connection 1 never accounted for, then the end of that stream.
    expect(second.audio).toEqual(run.source.captured().subarray(6_400));
    expect(second.controls).toEqual(['end']);
    second.text('a', 'hello world', true, 0, 600);
    second.say({ kind: 'ended' });
    await advance(0);
    expect(((await stopped) as { state: string }).state).toBe('idle');
    expect(Date.now() - stoppedAt).toBeLessThan(SILENT_LIMIT_MS + 200);
    expect(concat([first.audio.subarray(0, 6_400), second.audio])).toEqual(run.source.captured());
    expect(finalTexts(run.events)).toEqual(['hello world']);
    expect(run.warnings).toEqual([]);
    expect(run.service.connections).toHaveLength(2);
  });

  it('also when quitting: the replacement finishes inside the quit deadline, nothing is cut', async () => {
    const run = await startScripted({ backoff: { baseMs: 100, maxMs: 100 } });
    const first = run.service.connection(1);
    first.answersPings = false;
    first.answersEnd = false;
    await run.speak(1_000);
    first.settle(6_400);
    run.service.answersEnd = false;
    const quit = run.session.finishBy(Date.now() + 6_500); // the 8 s budget less its 1.5 s reserve
    await advance(SILENT_LIMIT_MS + 100);
    const second = run.service.connection(2);
    second.text('a', 'hello world', true, 0, 600);
    second.say({ kind: 'ended' });
    await advance(0);
    expect((await quit).state).toBe('idle');
    expect(finalTexts(run.events)).toEqual(['hello world']);
    expect(run.warnings).toEqual([]);
  });

  it('waits for a slow service that still answers pings, without reconnecting', async () => {
    const run = await startScripted();
    const first = run.service.connection(1);
    first.answersEnd = false;
    const { stopped } = await speakThenStop(run);
    await advance(8_000); // four times the silent limit, well inside the 15 s drain timeout
    expect(run.service.connections).toHaveLength(1);
    expect(first.closedWith).toBeNull();
    first.text('a', 'hello world', true, 400, 1_000);
    first.say({ kind: 'ended' });
    await advance(0);
    expect(((await stopped) as { state: string }).state).toBe('idle');
    expect(finalTexts(run.events)).toEqual(['hello world']);
    expect(run.warnings).toEqual([]);
  });

  it('a service that answers pings but never the end still gets the whole drain timeout, then DRAIN_TIMEOUT', async () => {
    const run = await startScripted({ drainTimeoutMs: 15_000 });
    const first = run.service.connection(1);
    first.answersEnd = false;
    const { stopped } = await speakThenStop(run);
    await advance(14_999);
    expect(run.session.state).toBe('stopping');
    await advance(1);
    expect(((await stopped) as { state: string }).state).toBe('idle');
    expect(run.service.connections).toHaveLength(1);
    expect(run.warnings).toEqual([expect.stringMatching(/^DRAIN_TIMEOUT: /)]);
    // What was on screen is kept, as before.
    expect(finalTexts(run.events)).toEqual(['hello']);
  });

  it('changes nothing while streaming: a silent peer is left to the heartbeat', async () => {
    const run = await startScripted({ heartbeatIntervalMs: 10_000 });
    const first = run.service.connection(1);
    first.answersPings = false;
    await run.speak(5_000);
    expect(first.closedWith).toBeNull();
    expect(run.service.connections).toHaveLength(1);
    expect(run.session.state).toBe('streaming');
  });
});
