import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SCRIPTED_RATE } from '../../../tests/fakes/scripted-service.ts';
import { advance, FRAME, startScripted, stopScripted } from '../../../tests/fakes/scripted-session.ts';

/**
 * Frames that reach the session together (a capture message carries a few) go to the service
 * as one audio message, in order and complete; frames that come one by one still go one by one,
 * without waiting for a timer. A backlog goes out in messages of at most 100 ms.
 */
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Session audio messages', () => {
  it('joins frames that arrive in the same turn of the event loop, and only those', async () => {
    const run = await startScripted();
    const conn = run.service.connection(1);
    run.capture(FRAME);
    run.capture(FRAME);
    await advance(0);
    expect(conn.audioMessages).toBe(1);
    await run.speak(100); // one frame per 20 ms: each goes on its own, at once
    expect(conn.audioMessages).toBe(6);
    expect(conn.audio).toEqual(run.source.captured());
    await stopScripted(run);
  });

  it('sends a backlog in order, in messages of at most 100 ms', async () => {
    const run = await startScripted();
    const conn = run.service.connection(1);
    for (let i = 0; i < 50; i++) run.capture(FRAME); // 1 s piled up while time stood still
    await advance(0);
    expect(conn.audio).toEqual(run.source.captured());
    expect(conn.audioMessages).toBe(Math.ceil((50 * FRAME) / (SCRIPTED_RATE / 10)));
    await stopScripted(run);
  });
});
