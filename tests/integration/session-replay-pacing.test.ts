import { afterEach, describe, expect, it } from 'vitest';
import { AssemblyAiAdapter } from '../../src/core/providers/assemblyai.ts';
import type { ProviderAdapter } from '../../src/core/providers/types.ts';
import { Session } from '../../src/core/session/session.ts';
import type { SessionState } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { FakeAssemblyAi } from '../fakes/fake-assemblyai.ts';
import { ManualSource } from '../fakes/manual-source.ts';
import { finalWords, KEY, standardSpeech, within } from '../fakes/session-harness.ts';
import { wordText } from '../fakes/word-audio.ts';

/**
 * AssemblyAI closes a session (3007) when audio arrives faster than real time, so a replay
 * after a reconnect must be paced (ASSEMBLYAI_REPLAY_PACING: 1.2× real time after 500 ms).
 * The fake enforces a plausible form of the rule (1.25× plus 1 s of jitter, see
 * FakeAssemblyAiOptions.rateLimit). The microphone is a ManualSource stamped by the audio
 * clock, so 12 s of audio can pile up during an outage without waiting 12 s for it; the
 * paced replay itself takes real time (about 10 s): that is what is under test.
 */
const RATE = 16_000;
const ALL_WORDS = Array.from({ length: 24 }, (_, i) => wordText(i + 1));

class UnpacedAssemblyAi extends AssemblyAiAdapter {
  override readonly replayPacing = null;
}

const fakes: FakeAssemblyAi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

function waitForState(session: Session, state: SessionState, what: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      if (session.state === state) resolve();
      else session.on('snapshot', (s) => s.state === state && resolve());
    }),
    10_000,
    what,
  );
}

/** Streams 1.2 s, loses the connection (after 2 words), buffers the remaining ~11 s while the service refuses connections, then lets it back. */
async function outage(provider: ProviderAdapter, fake: FakeAssemblyAi, drainTimeoutMs: number) {
  const speech = standardSpeech(RATE);
  const source = new ManualSource(RATE);
  const session = new Session({
    source,
    provider,
    heartbeatIntervalMs: 1_000,
    backoff: { baseMs: 20, maxMs: 100 },
    maxReconnectAttempts: 1_000,
    drainTimeoutMs,
  });
  const finals: TranscriptEvent[] = [];
  const warnings: string[] = [];
  session.on('transcript', (e) => e.isFinal && finals.push(e));
  session.on('warning', (w) => warnings.push(`${w.code}: ${w.message}`));
  session.on('snapshot', (s) => {
    if (s.state === 'reconnecting') fake.refuseUpgrades = true;
  });
  await within(session.start(), 5_000, 'the session to start streaming');
  const head = Math.round(1.2 * RATE);
  source.push(speech.samples.subarray(0, head));
  await waitForState(session, 'reconnecting', 'the fake to drop the first connection');
  source.push(speech.samples.subarray(head));
  expect(session.snapshot.bufferedMs).toBeGreaterThanOrEqual(10_000);
  fake.refuseUpgrades = false;
  await waitForState(session, 'streaming', 'the session to reconnect');
  source.end();
  return { session, source, finals, warnings };
}

describe('replay pacing (AssemblyAI)', () => {
  it('replays 10+ s of buffered audio after a reconnect without a 3007 close, losing nothing', async () => {
    const fake = await new FakeAssemblyAi({
      apiKey: KEY,
      rateLimit: { maxRealtimeFactor: 1.25, burstMs: 1_000 },
      faults: { drop: [{ connection: 1, afterWords: 2 }] },
    }).start();
    fakes.push(fake);
    const provider = new AssemblyAiAdapter({ id: 'assemblyai', url: fake.url, apiKey: KEY });
    // A short drain timeout: stop() must wait for the paced replay on top of it.
    const run = await outage(provider, fake, 3_000);
    await within(run.session.stop(), 30_000, 'the paced replay and the drain');

    expect(fake.connections.map((c) => c.closedWith?.code ?? null)).toEqual([null, 1000]);
    expect(run.warnings).toEqual([]);
    expect(run.session.snapshot.error).toBeNull();
    expect(run.session.stats.reconnects).toBe(1);
    const replay = run.session.stats.lastReplay!;
    expect(replay.samples).toBeGreaterThanOrEqual(10 * RATE);
    // Paced, not sent at once (order of magnitude only: ~10 s at 1.2× real time).
    expect(replay.ms).toBeGreaterThan(3_000);
    // Sample for sample: everything captured was accounted for, once, in order (plus at most
    // the 50 ms of silence the adapter pads the last message with).
    const captured = run.source.captured();
    const accounted = fake.accountedAudio();
    expect(accounted.length - captured.length).toBeGreaterThanOrEqual(0);
    expect(accounted.length - captured.length).toBeLessThanOrEqual(RATE / 20);
    expect(Buffer.compare(Buffer.from(accounted.buffer, 0, captured.length * 2), Buffer.from(captured.buffer))).toBe(0);
    expect(finalWords(run.finals)).toEqual(ALL_WORDS);
    expect(new Set(run.finals.map((f) => f.segmentId)).size).toBe(run.finals.length);
  }, 40_000);

  it('the same replay unpaced is closed by the fake with 3007 (the rule the pacing respects)', async () => {
    const fake = await new FakeAssemblyAi({
      apiKey: KEY,
      rateLimit: { maxRealtimeFactor: 1.25, burstMs: 1_000 },
      faults: { drop: [{ connection: 1, afterWords: 2 }] },
    }).start();
    fakes.push(fake);
    const rejected = new Promise<{ index: number; code: number; reason: string }>((resolve) =>
      fake.on('closed', (conn, code, reason) => code === 3007 && resolve({ index: conn.index, code, reason })),
    );
    const provider = new UnpacedAssemblyAi({ id: 'assemblyai', url: fake.url, apiKey: KEY });
    const run = await outage(provider, fake, 300);
    expect(await within(rejected, 5_000, 'the fake to refuse the unpaced replay')).toEqual({
      index: 2,
      code: 3007,
      reason: 'Audio Transmission Rate Exceeded',
    });
    expect(fake.connections[1]!.audio.length).toBeLessThan(10 * RATE);
    await within(run.session.stop(), 10_000, 'the session to stop');
  });
});
