import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  advance,
  FRAME,
  finalTexts,
  startScripted,
  stopScripted,
  type ScriptedRun,
} from '../../../tests/fakes/scripted-session.ts';

/**
 * Rotation without sockets: a scripted in-memory service (tests/fakes/scripted-service.ts)
 * under fake timers. tests/integration/session-rotation-repair.test.ts proves the same
 * against real sockets and the AssemblyAI fake; these pin each step.
 */
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Streams until rotation switched (connection 1 asked to end its stream), at most `ms`. */
async function speakUntilSwitch(run: ScriptedRun, ms: number): Promise<void> {
  const first = run.service.connection(1);
  for (let t = 0; t < ms && !first.controls.includes('end'); t += 20) await run.speak(20);
  expect(first.controls, 'rotation switched away from connection 1').toEqual(['end']);
}

describe('Session rotation (scripted service, fake timers)', () => {
  it('opens the successor when rotation is due and switches at the first turn boundary', async () => {
    const run = await startScripted({ rotateAfterMs: 1_000, rotationGraceMs: 60_000 });
    const first = run.service.connection(1);
    first.turn(true);
    await run.speak(1_200);
    // Due at 1 s: the successor is open and ready, but the speaker is mid-turn.
    const successor = run.service.connection(2);
    expect(run.session.stats.rotations).toBe(1);
    await run.speak(400);
    expect(first.controls).toEqual([]);
    expect(successor.audio).toHaveLength(0);

    first.turn(false);
    const beforeBoundary = first.audio.length;
    await run.speak(400);
    // The frame after the turn ended still went to connection 1; then audio switched.
    expect(first.controls).toEqual(['end']);
    expect(first.audio).toHaveLength(beforeBoundary + FRAME);
    const captured = run.source.captured();
    expect(first.audio).toEqual(captured.subarray(0, first.audio.length));
    expect(successor.audio).toEqual(captured.subarray(first.audio.length));

    // Connection 1 accounted for everything it had (it answered its end of stream): closed normally.
    expect(first.closedWith).toEqual({ code: 1000, reason: 'done' });
    expect(run.session.state).toBe('streaming');
    await stopScripted(run);
    expect(run.service.connections).toHaveLength(2);
    expect(run.warnings).toEqual([]);
  });

  it('re-sends exactly the unaccounted part of the retiring range on a repair when the old connection dies', async () => {
    const run = await startScripted({ rotateAfterMs: 1_000, rotationGraceMs: 0 });
    const first = run.service.connection(1);
    first.answersEnd = false;
    await run.speak(600);
    first.text('u1', 'one two', false, 100, 500);
    const partial = run.events.at(-1)!;
    first.settle(3_200); // 0.2 s accounted before the switch
    await speakUntilSwitch(run, 1_000);
    const successor = run.service.connection(2);
    const until = first.audio.length;
    await run.speak(200);

    first.drop(); // dies before accounting for the rest of its range
    const repair = run.service.connection(3);
    repair.answersEnd = false;
    await advance(0);
    const captured = run.source.captured();
    expect(repair.audio).toEqual(captured.subarray(3_200, until));
    expect(repair.controls).toEqual(['end']);
    // The successor never saw the retiring range, so nothing of it is transcribed twice.
    expect(successor.audio).toEqual(captured.subarray(until));

    // The repair's clock starts at 0.2 s; its final continues the partial the dead connection showed.
    repair.text('r1', 'one two', true, 0, 400);
    expect(run.events.at(-1)).toMatchObject({ segmentId: partial.segmentId, isFinal: true, startMs: 200 });
    repair.say({ kind: 'ended' });
    await advance(0);
    expect(repair.closedWith).toEqual({ code: 1000, reason: 'done' });
    expect(run.session.snapshot.bufferedMs).toBeLessThan(1_000); // the retiring range was released
    await stopScripted(run);
    expect(run.service.connections).toHaveLength(3);
    expect(run.warnings).toEqual([]);
  });

  it('holds the successor’s finals until the retiring connection finished, then releases them in audio order', async () => {
    const run = await startScripted({ rotateAfterMs: 1_000, rotationGraceMs: 0 });
    const first = run.service.connection(1);
    first.answersEnd = false;
    await run.speak(800);
    first.text('a', 'first words', false, 200, 700);
    await speakUntilSwitch(run, 1_000);
    const successor = run.service.connection(2);
    await run.speak(800);

    // The successor answers first, for later audio: shown, but not final yet.
    successor.text('b', 'later words', true, 100, 600);
    expect(run.events.at(-1)).toMatchObject({ text: 'later words', isFinal: false });
    expect(run.session.segments).toHaveLength(0);

    first.text('a', 'first words', true, 200, 700);
    expect(finalTexts(run.events)).toEqual(['first words']);
    first.say({ kind: 'ended' }); // retiring is over: the held final follows
    expect(finalTexts(run.events)).toEqual(['first words', 'later words']);
    expect(run.session.segments.map((s) => s.text)).toEqual(['first words', 'later words']);
    const starts = run.session.segments.map((s) => s.startMs ?? NaN);
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
    await stopScripted(run);
    expect(run.warnings).toEqual([]);
  });
});
