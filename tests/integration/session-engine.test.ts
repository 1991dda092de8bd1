import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWavSource } from '../../src/core/sources/wav-source.ts';
import { startLocalEngine, type LocalEngine } from '../../src/core/engine-host/launcher.ts';
import { spawnNodeChild } from '../../src/platform/process/node-spawn.ts';
import { Session } from '../../src/core/session/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { within } from '../fakes/session-harness.ts';
import { nextEvent } from '../helpers/process-events.ts';
import { waitUntil } from '../helpers/wait.ts';
import { ESPEAK_HELDOUT_DIR, OFFLINE_TEST_MODEL, requireSharedModels } from '../helpers/paths.ts';

let engine: LocalEngine | null = null;
afterEach(async () => {
  await engine?.stop();
  engine = null;
});

describe('Session with the real embedded engine', () => {
  it('survives a kill -9 of the engine mid-session: reconnects to the restarted engine and finishes the transcript', async () => {
    requireSharedModels();
    engine = await startLocalEngine({ spawn: spawnNodeChild, modelDir: OFFLINE_TEST_MODEL, backoffBaseMs: 100 });
    const [file, reference] = readFileSync(join(ESPEAK_HELDOUT_DIR, 'transcripts.tsv'), 'utf8')
      .split('\n')[2]!
      .split('\t');
    const source = createWavSource({ path: join(ESPEAK_HELDOUT_DIR, file!), sampleRate: 16_000, pace: 'realtime' });
    const session = new Session({
      source,
      provider: { id: 'local', url: engine.url, apiKey: engine.token },
      heartbeatIntervalMs: 1_000,
      backoff: { baseMs: 100, maxMs: 500 },
    });
    const events: TranscriptEvent[] = [];
    const states: string[] = [];
    session.on('transcript', (e) => events.push(e));
    session.on('snapshot', (s) => states.at(-1) !== s.state && states.push(s.state));
    await session.start();
    // Kill the engine at the first partial: the utterance is being spoken, nothing is final.
    await nextEvent<[TranscriptEvent]>(session, 'transcript', 'the first partial', { timeoutMs: 15_000 });
    expect(events.some((e) => e.isFinal)).toBe(false);
    process.kill(engine.pid!, 'SIGKILL');
    // The drop is seen first: on a loaded machine the WAV may already have played out, and a
    // stop before the socket's close arrives would make this a drain, not a reconnect.
    await waitUntil(() => states.includes('reconnecting'), {
      timeoutMs: 10_000,
      what: 'the session to notice the engine is gone',
      changes: (notify) => (session.on('snapshot', notify), () => session.off('snapshot', notify)),
    });
    await within(source.ended, 20_000, 'the WAV to play out');
    await within(session.stop(), 20_000, 'the drain');
    expect(session.snapshot.error).toBeNull();
    expect(states).toContain('reconnecting');
    expect(session.stats.reconnects).toBeGreaterThanOrEqual(1);
    const finals = events.filter((e) => e.isFinal);
    expect(finals.length).toBeGreaterThanOrEqual(1);
    // The utterance spoken across the crash was replayed: most of its words are in the finals, once.
    const heard = finals
      .map((f) => f.text)
      .join(' ')
      .split(/\s+/);
    const expected = reference!.trim().split(/\s+/);
    expect(expected.filter((w) => heard.includes(w)).length / expected.length).toBeGreaterThanOrEqual(0.5);
    expect(heard.length).toBeLessThanOrEqual(expected.length + 2);
  });
});
