import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { concat } from '../../../tests/fakes/scripted-service.ts';
import { advance, finalTexts, startScripted, stopScripted } from '../../../tests/fakes/scripted-session.ts';

/**
 * Reconnects without sockets: a scripted in-memory service (tests/fakes/scripted-service.ts)
 * under fake timers. The integration suites (tests/integration/session-faults.test.ts) prove
 * the same against real sockets and the services' fakes; these pin the exact boundaries.
 */
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('Session reconnect (scripted service, fake timers)', () => {
  it('replays exactly the audio the service had not accounted for, after a backoff', async () => {
    const run = await startScripted({ backoff: { baseMs: 100, maxMs: 100 } });
    const first = run.service.connection(1);
    await run.speak(1_000);
    expect(first.audio).toEqual(run.source.captured());
    first.text('a', 'hello', false, 100, 500);
    const partial = run.events.at(-1)!;
    first.settle(6_400); // the service accounted for the first 0.4 s

    first.drop();
    expect(run.session.state).toBe('reconnecting');
    run.capture(8_000); // 0.5 s captured during the outage
    expect(run.session.snapshot.bufferedMs).toBe(1_100);

    // Backoff with full jitter: the first retry waits between 50 and 100 ms (baseMs 100).
    await advance(49);
    expect(run.service.connections).toHaveLength(1);
    await advance(51);
    const second = run.service.connection(2);
    expect(run.session.state).toBe('streaming');
    const captured = run.source.captured();
    // Exactly the unaccounted audio, in order: nothing accounted for twice, nothing skipped.
    expect(second.audio).toEqual(captured.subarray(6_400));
    expect(run.session.stats).toMatchObject({ connections: 2, reconnects: 1, lastReplay: { samples: 24_000 - 6_400 } });

    // Connection 2's clock starts at the replay: its 0 ms is 400 ms of session audio, and the
    // partial the dropped connection showed continues in place.
    second.text('a', 'hello world', true, 0, 700);
    expect(run.events.at(-1)).toMatchObject({
      segmentId: partial.segmentId,
      isFinal: true,
      startMs: 400,
      endMs: 1_100,
    });

    await run.speak(200); // live audio follows the replay on the same connection
    expect(second.audio).toEqual(run.source.captured().subarray(6_400));
    await stopScripted(run);
    expect(second.controls).toEqual(['end']);
    // Accounted: connection 1 up to 0.4 s, connection 2 the rest — together the captured audio.
    expect(concat([first.audio.subarray(0, 6_400), second.audio])).toEqual(run.source.captured());
    expect(finalTexts(run.events)).toEqual(['hello world']);
    expect(run.states).toEqual(['starting', 'streaming', 'reconnecting', 'streaming', 'stopping', 'idle']);
    expect(run.warnings).toEqual([]);
  });

  it('keeps retrying with backoff while the service refuses connections, then replays everything', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1); // no jitter: every retry waits the full 100 ms
    const run = await startScripted({ backoff: { baseMs: 100, maxMs: 100 } });
    await run.speak(200);
    run.service.refusing = true;
    run.service.connection(1).drop();
    run.capture(16_000);
    await advance(100); // attempt 2 is refused
    expect(run.service.connections).toHaveLength(2);
    expect(run.session.snapshot.reconnectAttempt).toBe(2);
    run.service.refusing = false;
    await advance(100); // attempt 3 connects
    const third = run.service.connection(3);
    expect(run.session.state).toBe('streaming');
    expect(run.session.snapshot.reconnectAttempt).toBe(0);
    expect(third.audio).toEqual(run.source.captured());
    await stopScripted(run);
  });

  it('drops a peer that stops answering pings and replays its unaccounted audio on the next connection', async () => {
    const run = await startScripted({ heartbeatIntervalMs: 1_000, backoff: { baseMs: 100, maxMs: 100 } });
    const first = run.service.connection(1);
    await run.speak(400);
    first.settle(3_200);
    first.answersPings = false;
    // One ping goes unanswered; the next beat finds it so and terminates the connection.
    await advance(2_000);
    expect(first.closedWith).toEqual({ code: 1006, reason: '' });
    await advance(100);
    const second = run.service.connection(2);
    expect(second.audio).toEqual(run.source.captured().subarray(3_200));
    await stopScripted(run);
  });
});
