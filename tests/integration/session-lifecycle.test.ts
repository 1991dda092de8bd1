import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Session } from '../../src/core/session/session.ts';
import { readJournal } from '../../src/core/transcript/journal-reader.ts';
import type { FakeService } from '../fakes/fake-base.ts';
import { FakeAssemblyAi } from '../fakes/fake-assemblyai.ts';
import { FakeOpenAi } from '../fakes/fake-openai.ts';
import { finalWords, KEY, PROVIDERS, runSession, standardSpeech, within } from '../fakes/session-harness.ts';
import { SyntheticSource } from '../fakes/synthetic-source.ts';
import { synthesizeSpeech, wordText } from '../fakes/word-audio.ts';

const running: FakeService[] = [];
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-session-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function openAi(options: ConstructorParameters<typeof FakeOpenAi>[0] = { apiKey: KEY }): Promise<FakeOpenAi> {
  const fake = await new FakeOpenAi(options).start();
  running.push(fake);
  return fake;
}

const ALL_WORDS = Array.from({ length: 24 }, (_, i) => wordText(i + 1));

describe('Session lifecycle', () => {
  it('start and stop are idempotent, and stop drains the utterance still being spoken', async () => {
    const fake = await openAi();
    // The audio ends in the middle of the last utterance: only the drain's commit can finish it.
    const speech = synthesizeSpeech(
      24_000,
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { tailMs: 0 },
    );
    const source = new SyntheticSource(24_000, speech.samples, 10);
    const session = new Session({
      source,
      provider: { id: 'openai', url: fake.url, apiKey: KEY },
      journalDir: dir,
      heartbeatIntervalMs: 500,
    });
    const finals: string[] = [];
    session.on('transcript', (e) => e.isFinal && finals.push(e.text));
    const [a, b] = await Promise.all([session.start(), session.start()]);
    expect(a.state).toBe('streaming');
    expect(b.sessionId).toBe(a.sessionId);
    expect((await session.start()).state).toBe('streaming');
    await within(source.ended, 10_000, 'the source to end');
    const [s1, s2] = await Promise.all([session.stop(), session.stop()]);
    expect(s1.state).toBe('idle');
    expect(s2.state).toBe('idle');
    expect((await session.stop()).state).toBe('idle');
    expect(finals).toEqual(['w1 w2 w3', 'w4 w5 w6']);
    expect(fake.connections).toHaveLength(1);
    // One `commit` at the end, then the socket closed normally.
    expect(fake.connections[0]!.messagesIn.filter((m) => m.includes('input_audio_buffer.commit'))).toHaveLength(1);
    expect(Buffer.compare(Buffer.from(fake.accountedAudio().buffer), Buffer.from(source.captured().buffer))).toBe(0);
    // The journal holds exactly the finals, a header, the state changes and a clean end.
    const journal = readJournal(session.journalPath ?? join(dir, `${a.sessionId}.jsonl`))!;
    expect(journal.segments.map((s) => s.text)).toEqual(finals);
    expect(journal.endedAt).not.toBeNull();
    expect(journal.recovered).toBe(false);
  });

  it('keeps the live transcript going with STORAGE_FULL when the disk is full', async () => {
    const fake = await openAi();
    symlinkSync('/dev/full', join(dir, 'full-session.jsonl')); // every write: ENOSPC
    const run = await runSession({ id: 'openai', url: fake.url, apiKey: KEY }, standardSpeech(24_000), {
      session: { journalDir: dir, sessionId: 'full-session' },
    });
    expect(run.warnings.map((w) => w.code)).toContain('STORAGE_FULL');
    expect(run.warnings.find((w) => w.code === 'STORAGE_FULL')?.message).toMatch(/disk is full/i);
    expect(finalWords(run.finals)).toEqual(ALL_WORDS);
    expect(run.session.snapshot.error).toBeNull();
  });

  it('keeps the live transcript going with STORAGE_READ_ONLY when the journal folder is read-only', async () => {
    const fake = await openAi();
    // /sys refuses new files even to root (EACCES, or EROFS where it is mounted read-only).
    const run = await runSession({ id: 'openai', url: fake.url, apiKey: KEY }, standardSpeech(24_000), {
      session: { journalDir: '/sys/kernel' },
    });
    expect(run.warnings.map((w) => w.code)).toContain('STORAGE_READ_ONLY');
    expect(finalWords(run.finals)).toEqual(ALL_WORDS);
    expect(run.session.snapshot.error).toBeNull();
  });

  for (const provider of [PROVIDERS[0]!, PROVIDERS[4]!]) {
    it(`rotates the ${provider.name} connection before its limit at a turn boundary, losing nothing`, async () => {
      const fake = await provider.start({});
      running.push(fake);
      const speech = standardSpeech(provider.rate);
      const run = await runSession(provider.config(fake), speech, { speed: 4, session: { rotateAfterMs: 1_000 } });
      expect(run.session.stats.rotations).toBeGreaterThanOrEqual(1);
      expect(fake.connections.length).toBe(run.session.stats.rotations + 1);
      expect(finalWords(run.finals)).toEqual(ALL_WORDS);
      const captured = run.source.captured();
      const accounted = fake.accountedAudio();
      expect(Buffer.compare(Buffer.from(accounted.buffer, 0, captured.length * 2), Buffer.from(captured.buffer))).toBe(
        0,
      );
      // Every old connection was closed normally after delivering its last turn.
      expect(run.warnings).toEqual([]);
    });
  }

  it('bounds the replay buffer with REPLAY_BUFFER_OVERFLOW while the service is down, then recovers', async () => {
    const fake = await new FakeAssemblyAi({
      apiKey: KEY,
      faults: { drop: [{ connection: 1, afterWords: 2 }] },
    }).start();
    running.push(fake);
    // 40 utterances, ~80 s: more than the 60 s buffer while the service refuses connections.
    const utterances = Array.from({ length: 40 }, (_, u) => [u * 2 + 1, u * 2 + 2]);
    const speech = synthesizeSpeech(16_000, utterances, { pauseMs: 1500 });
    const source = new SyntheticSource(16_000, speech.samples, 200);
    const session = new Session({
      source,
      provider: { id: 'assemblyai', url: fake.url, apiKey: KEY },
      replayBufferMs: 60_000,
      backoff: { baseMs: 20, maxMs: 100 },
      maxReconnectAttempts: 1000,
      heartbeatIntervalMs: 500,
    });
    const words: string[] = [];
    const warnings: string[] = [];
    session.on('transcript', (e) => e.isFinal && words.push(...finalWords([e])));
    session.on('snapshot', (s) => {
      if (s.state === 'reconnecting' && session.stats.droppedMs === 0) fake.refuseUpgrades = true;
    });
    session.on('warning', (w) => {
      warnings.push(w.code);
      if (w.code === 'REPLAY_BUFFER_OVERFLOW') fake.refuseUpgrades = false;
    });
    await session.start();
    await within(source.ended, 20_000, 'the source to end');
    await within(session.stop(), 20_000, 'the drain');
    expect(warnings).toContain('REPLAY_BUFFER_OVERFLOW');
    expect(session.stats.droppedMs).toBeGreaterThan(0);
    expect(session.snapshot.error).toBeNull();
    // Exactly the dropped audio is missing; everything after the outage arrived once, in order.
    const dropped = Math.round((session.stats.droppedMs * 16_000) / 1000);
    expect(Math.abs(fake.accountedAudio().length - (source.captured().length - dropped))).toBeLessThanOrEqual(800);
    const expected = utterances.flat().map(wordText);
    expect(words.at(-1)).toBe(expected.at(-1));
    expect(new Set(words).size).toBe(words.length);
    expect(words.every((w, i) => i === 0 || expected.indexOf(w) > expected.indexOf(words[i - 1]!))).toBe(true);
  });

  it('gives up a drain that cannot finish with DRAIN_TIMEOUT, keeping the partial as a final', async () => {
    const fake = await openAi();
    const speech = synthesizeSpeech(24_000, [[1, 2, 3, 4, 5, 6, 7, 8]], { tailMs: 0 });
    const source = new SyntheticSource(24_000, speech.samples, 10);
    const session = new Session({
      source,
      // A server that streams words while they are spoken (gpt-4o-transcribe only speaks after a
      // commit, so it would show no partial to keep).
      provider: { id: 'openai-compatible', url: fake.url, apiKey: KEY },
      drainTimeoutMs: 500,
      heartbeatIntervalMs: 200,
      backoff: { baseMs: 20, maxMs: 50 },
      maxReconnectAttempts: 1000,
    });
    const events: { text: string; isFinal: boolean }[] = [];
    const warnings: string[] = [];
    session.on('transcript', (e) => events.push(e));
    session.on('warning', (w) => warnings.push(w.code));
    await session.start();
    await within(source.ended, 10_000, 'the source to end');
    // The service goes silent and refuses new connections: nothing can finish the utterance.
    fake.refuseUpgrades = true;
    for (const c of fake.connections) c.silent = true;
    const stopped = await within(session.stop(), 5_000, 'stop to give up draining');
    expect(stopped.state).toBe('idle');
    expect(warnings).toContain('DRAIN_TIMEOUT');
    const final = events.filter((e) => e.isFinal).at(-1);
    expect(final?.text.startsWith('w1 w2')).toBe(true);
  });

  it('reports an unreachable service at start with PROVIDER_UNREACHABLE after a few attempts', async () => {
    const fake = await openAi();
    const url = fake.url;
    await fake.close();
    running.splice(running.indexOf(fake), 1);
    const source = new SyntheticSource(24_000, new Int16Array(24_000), 1);
    const session = new Session({
      source,
      provider: { id: 'openai', url, apiKey: KEY },
      backoff: { baseMs: 10, maxMs: 20 },
    });
    await expect(within(session.start(), 10_000, 'start to fail')).rejects.toMatchObject({
      code: 'PROVIDER_UNREACHABLE',
    });
    expect(session.state).toBe('error');
    expect(session.snapshot.error?.message).toMatch(/could not be reached/);
    expect((await session.stop()).state).toBe('idle');
  });

  it('journals every final before emitting it', async () => {
    const fake = await openAi();
    const source = new SyntheticSource(24_000, standardSpeech(24_000).samples, 10);
    const session = new Session({ source, provider: { id: 'openai', url: fake.url, apiKey: KEY }, journalDir: dir });
    const checks: boolean[] = [];
    session.on('transcript', (e) => {
      if (!e.isFinal) return;
      const onDisk = readFileSync(session.journalPath!, 'utf8');
      checks.push(onDisk.includes(`"segmentId":"${e.segmentId}"`));
    });
    await session.start();
    await within(source.ended, 10_000, 'the source to end');
    await session.stop();
    expect(checks).toHaveLength(6);
    expect(checks.every(Boolean)).toBe(true);
  });
});
