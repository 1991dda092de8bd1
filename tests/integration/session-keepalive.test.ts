import { afterEach, describe, expect, it } from 'vitest';
import { Session } from '../../src/core/session/session.ts';
import type { SessionSnapshot } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import type { FakeConnection } from '../fakes/fake-base.ts';
import { FakeDeepgram } from '../fakes/fake-deepgram.ts';
import { ManualSource } from '../fakes/manual-source.ts';
import { finalWords, KEY, within } from '../fakes/session-harness.ts';
import { synthesizeSpeech } from '../fakes/word-audio.ts';

/**
 * Deepgram closes a socket that gets neither audio nor a KeepAlive for 10 s (close 1011,
 * reason NET-0001; developers.deepgram.com/docs/recovering-from-connection-errors-and-timeouts-when-live-streaming-audio). While the microphone is paused the session
 * sends `{"type":"KeepAlive"}` text frames instead. The fake enforces the same rule with a
 * short timeout (400 ms instead of 10 s) and the session's keepalive delay is shortened in
 * proportion (100 ms instead of 4 s), so the test takes about a second and never sleeps: it
 * waits on the fake's events.
 */
const IDLE_TIMEOUT_MS = 400;
const KEEPALIVE_AFTER_MS = 100;

const fakes: FakeDeepgram[] = [];
const sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setUp(
  keepAliveAfterMs: number,
): Promise<{ fake: FakeDeepgram; source: ManualSource; session: Session }> {
  const fake = await new FakeDeepgram({ apiKey: KEY, idleTimeoutMs: IDLE_TIMEOUT_MS }).start();
  fakes.push(fake);
  const source = new ManualSource(16_000);
  const session = new Session({
    source,
    provider: { id: 'deepgram', url: fake.url, apiKey: KEY },
    keepAliveAfterMs,
    heartbeatIntervalMs: 1_000,
    backoff: { baseMs: 20, maxMs: 100 },
  });
  sessions.push(session);
  await within(session.start(), 5_000, 'the session to start streaming');
  return { fake, source, session };
}

/** Resolves with the `count`-th KeepAlive text frame the fake received on `connection`. */
function keepAlives(fake: FakeDeepgram, connection: number, count: number): Promise<number> {
  return new Promise((resolve) => {
    let seen = 0;
    const onText = (conn: FakeConnection, text: string): void => {
      if (conn.index !== connection || (JSON.parse(text) as { type?: string }).type !== 'KeepAlive') return;
      seen += 1;
      if (seen === count) {
        fake.off('text', onText);
        resolve(performance.now());
      }
    };
    fake.on('text', onText);
  });
}

describe('Deepgram KeepAlive while no audio flows', () => {
  it('keeps the connection open past the idle timeout with KeepAlive text frames, and the transcript continues', async () => {
    const { fake, source, session } = await setUp(KEEPALIVE_AFTER_MS);
    const finals: TranscriptEvent[] = [];
    session.on('transcript', (e) => e.isFinal && finals.push(e));
    const first = synthesizeSpeech(16_000, [[1, 2, 3]], { tailMs: 600 });
    source.push(first.samples);
    const pausedAt = performance.now();
    // The microphone is paused: no frames. Wait for enough KeepAlives to span three idle timeouts.
    const needed = Math.ceil((3 * IDLE_TIMEOUT_MS) / KEEPALIVE_AFTER_MS);
    const lastAt = await within(keepAlives(fake, 1, needed), 10_000, `${needed} KeepAlive frames on connection 1`);
    expect(lastAt - pausedAt).toBeGreaterThan(2 * IDLE_TIMEOUT_MS);
    // Sent as text frames (the fake records only text frames in messagesIn), never as audio.
    const conn = fake.connections[0]!;
    expect(conn.messagesIn.filter((m) => m === '{"type":"KeepAlive"}').length).toBeGreaterThanOrEqual(needed);
    // The socket outlived the idle timeout several times over: never closed, never replaced.
    expect(conn.closedWith).toBeNull();
    expect(conn.closed).toBe(false);
    expect(fake.connections).toHaveLength(1);
    expect(session.stats.reconnects).toBe(0);
    // Audio resumes on the same connection and the whole transcript arrives.
    const second = synthesizeSpeech(16_000, [[4, 5, 6]], { leadMs: 200, tailMs: 600 });
    source.push(second.samples);
    source.end();
    await within(session.stop(), 10_000, 'the session to drain');
    expect(finalWords(finals)).toEqual(['w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
    expect(fake.connections).toHaveLength(1);
  });

  it('without KeepAlive the fake closes the idle connection with 1011 NET-0001 (the session then reconnects)', async () => {
    // Keepalive only after a minute: in effect none within this test.
    const { fake, source, session } = await setUp(60_000);
    const states: SessionSnapshot['state'][] = [];
    session.on('snapshot', (s) => states.push(s.state));
    source.push(synthesizeSpeech(16_000, [[1, 2]], { tailMs: 400 }).samples);
    const closed = new Promise<{ index: number; code: number; reason: string }>((resolve) =>
      fake.once('closed', (conn, code, reason) => resolve({ index: conn.index, code, reason })),
    );
    expect(await within(closed, 5_000, 'the fake to close the idle connection')).toEqual({
      index: 1,
      code: 1011,
      reason: 'NET-0001',
    });
    expect(fake.connections[0]!.messagesIn.some((m) => m.includes('KeepAlive'))).toBe(false);
    // Handled like a drop: the session reconnects instead of failing.
    await within(
      new Promise<void>((resolve) => {
        if (fake.connections.length >= 2) resolve();
        else session.on('snapshot', () => fake.connections.length >= 2 && resolve());
      }),
      5_000,
      'the session to open a new connection',
    );
    expect(states).toContain('reconnecting');
    expect(session.snapshot.error).toBeNull();
  });
});
