import { afterEach, describe, expect, it } from 'vitest';
import type { FakeService, FaultPlan } from '../fakes/fake-base.ts';
import {
  finalWords,
  PROVIDERS,
  runSession,
  standardSpeech,
  type ProviderUnderTest,
  type RunResult,
} from '../fakes/session-harness.ts';
import { wordText } from '../fakes/word-audio.ts';

/**
 * The session against each fake service, with the faults the issue lists. In every case the
 * session recovers, the audio the fake accounted for equals the audio captured sample for
 * sample, and every word arrives in exactly one final, in order.
 */
const running: FakeService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

async function startFake(provider: ProviderUnderTest, faults: FaultPlan): Promise<FakeService> {
  const fake = await provider.start(faults);
  running.push(fake);
  return fake;
}

const ALL_WORDS = Array.from({ length: 24 }, (_, i) => wordText(i + 1));

function expectNothingLost(provider: ProviderUnderTest, fake: FakeService, run: RunResult): void {
  expect(run.startError).toBeNull();
  expect(run.session.snapshot.error).toBeNull();
  expect(run.session.state).toBe('idle');
  // Sample for sample: the accounted audio is the captured audio (plus, for AssemblyAI, at
  // most 50 ms of zeros the adapter adds so the last message meets the 50 ms minimum).
  const captured = run.source.captured();
  const accounted = fake.accountedAudio();
  expect(captured.length).toBeGreaterThan(0);
  const padding = accounted.length - captured.length;
  expect(padding).toBeGreaterThanOrEqual(0);
  expect(padding).toBeLessThanOrEqual((provider.rate / 1000) * provider.maxTailPaddingMs);
  expect(Buffer.compare(Buffer.from(accounted.buffer, 0, captured.length * 2), Buffer.from(captured.buffer))).toBe(0);
  expect(accounted.subarray(captured.length).every((s) => s === 0)).toBe(true);
  // No final lost, none duplicated, in order; each segment id final once.
  expect(finalWords(run.finals)).toEqual(ALL_WORDS);
  const ids = run.finals.map((f) => f.segmentId);
  expect(new Set(ids).size).toBe(ids.length);
  // Times are session audio time even after reconnects (connections restart their clocks).
  const speech = standardSpeech(provider.rate);
  for (const final of run.finals) {
    const words = finalWords([final]);
    const first = speech.words.find((w) => wordText(w.id) === words[0])!;
    const last = speech.words.find((w) => wordText(w.id) === words.at(-1))!;
    expect(final.startMs).toBeGreaterThanOrEqual(first.startMs - 350);
    expect(final.startMs).toBeLessThanOrEqual(first.startMs + 1);
    expect(final.endMs).toBeGreaterThanOrEqual(last.endMs - 1);
    expect(final.endMs).toBeLessThanOrEqual(last.endMs + 2_100);
  }
  // Nothing left half-shown.
  expect(run.session.transcript.partial).toBeNull();
}

describe.each(PROVIDERS)('session against fake $name', (provider) => {
  it('streams a clean session; accounted audio equals captured audio', async () => {
    const fake = await startFake(provider, {});
    const run = await runSession(provider.config(fake), standardSpeech(provider.rate));
    expectNothingLost(provider, fake, run);
    expect(fake.connections).toHaveLength(1);
    // Partials came first and the final kept the partial's segment id.
    const partialIds = new Set(run.events.filter((e) => !e.isFinal && e.text).map((e) => e.segmentId));
    expect(run.finals.every((f) => partialIds.has(f.segmentId))).toBe(true);
  });

  it('recovers when the server drops the connection mid-utterance three times', async () => {
    const fake = await startFake(provider, {
      drop: [
        { connection: 1, afterWords: 2 },
        { connection: 2, afterWords: 6 },
        { connection: 3, afterWords: 6 },
      ],
    });
    const run = await runSession(provider.config(fake), standardSpeech(provider.rate));
    expectNothingLost(provider, fake, run);
    expect(fake.connections).toHaveLength(4);
    expect(run.session.stats.reconnects).toBe(3);
    expect(run.snapshots.some((s) => s.state === 'reconnecting')).toBe(true);
    // The partial on screen at the first drop continued in place: its id became a final.
    const firstPartial = run.events.find((e) => !e.isFinal && e.text);
    expect(run.finals.some((f) => f.segmentId === firstPartial?.segmentId)).toBe(true);
  });

  it('drops a peer that stops answering pings and recovers', async () => {
    const fake = await startFake(provider, { silent: [{ connection: 1, afterWords: 2 }] });
    const run = await runSession(provider.config(fake), standardSpeech(provider.rate));
    expectNothingLost(provider, fake, run);
    expect(fake.connections).toHaveLength(2);
  });

  it('ignores malformed JSON with a PROVIDER_PROTOCOL warning and loses nothing', async () => {
    const fake = await startFake(provider, { malformedEveryWords: 3 });
    const run = await runSession(provider.config(fake), standardSpeech(provider.rate));
    expectNothingLost(provider, fake, run);
    expect(run.warnings.some((w) => w.code === 'PROVIDER_PROTOCOL')).toBe(true);
    expect(fake.connections).toHaveLength(1);
  });

  it('ignores unknown events', async () => {
    const fake = await startFake(provider, { unknownEveryWords: 2 });
    const run = await runSession(provider.config(fake), standardSpeech(provider.rate));
    expectNothingLost(provider, fake, run);
    expect(run.warnings).toEqual([]);
    expect(fake.connections).toHaveLength(1);
  });

  it("survives the service's error event", async () => {
    const fake = await startFake(provider, { errorEvent: [{ connection: 1, afterWords: 3 }] });
    const run = await runSession(provider.config(fake), standardSpeech(provider.rate));
    expectNothingLost(provider, fake, run);
    // OpenAI-style errors leave the socket open; Deepgram (NET-0000) and AssemblyAI (3005) close it.
    expect(fake.connections).toHaveLength(provider.errorKeepsSocket ? 1 : 2);
  });

  it.skipIf(!provider.expires)(
    'treats session expiry like a drop and reconnects at once (skipped where the service documents no session limit: Deepgram)',
    async () => {
      const fake = await startFake(provider, { expire: [{ connection: 1, afterWords: 5 }] });
      const run = await runSession(provider.config(fake), standardSpeech(provider.rate));
      expectNothingLost(provider, fake, run);
      expect(fake.connections).toHaveLength(2);
      expect(run.snapshots.every((s) => s.reconnectAttempt === 0)).toBe(true);
    },
  );

  it('loses nothing when the server reads slowly', async () => {
    const fake = await startFake(provider, { slowReads: { pauseMs: 120, everyMs: 250 } });
    const run = await runSession(provider.config(fake), standardSpeech(provider.rate), {
      session: { heartbeatIntervalMs: 1_000 },
    });
    expectNothingLost(provider, fake, run);
  });

  it('ends with a clear error on a fatal service error, keeping the finals it had', async () => {
    const fake = await startFake(provider, { fatal: [{ connection: 1, afterWords: 6 }] });
    const run = await runSession(provider.config(fake), standardSpeech(provider.rate));
    const failed = run.snapshots.find((s) => s.state === 'error');
    expect(failed?.error?.code).toMatch(/^PROVIDER_(ERROR|AUTH_FAILED)$/);
    expect(failed?.error?.message.length).toBeGreaterThan(20);
    expect(fake.connections).toHaveLength(1); // no reconnect loop
    expect(finalWords(run.finals).slice(0, 4)).toEqual(ALL_WORDS.slice(0, 4));
  });

  it('refuses a wrong API key with PROVIDER_AUTH_FAILED', async () => {
    const fake = await startFake(provider, {});
    const run = await runSession(provider.config(fake, { apiKey: 'wrong-key' }), standardSpeech(provider.rate));
    expect(run.startError).toMatchObject({ code: 'PROVIDER_AUTH_FAILED' });
    expect(fake.connections.length).toBeLessThanOrEqual(1);
  });
});
