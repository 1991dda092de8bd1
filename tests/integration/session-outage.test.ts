import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameSource } from '../../src/shared/audio-frame.ts';
import { offlineStatus, type SessionSnapshot } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { Session } from '../../src/core/session/session.ts';
import type { FakeService } from '../fakes/fake-base.ts';
import { finalWords, PROVIDERS, within } from '../fakes/session-harness.ts';
import { SyntheticSource } from '../fakes/synthetic-source.ts';
import { synthesizeSpeech, wordText } from '../fakes/word-audio.ts';
import { OutageProxy, viaPort } from '../helpers/outage-proxy.ts';

/**
 * A real outage: the service sits behind a TCP relay whose listening socket closes (connects
 * refused, open connections cut) for 90 s of audio, starting mid-utterance, then listens again
 * on the same port. Time is compressed (the source runs at 20× real time, backoff is capped
 * at 200 ms), so the session makes dozens of attempts, far past the old limit of ten.
 */
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const OUTAGE_MS = 90_000;
// 50 utterances of three words, about 106 s of audio; the outage starts in utterance 3.
const UTTERANCES = Array.from({ length: 50 }, (_, u) => [u * 3 + 1, u * 3 + 2, u * 3 + 3]);
const ALL_WORDS = UTTERANCES.flat().map(wordText);

/** `source` with a hook on every frame it delivers (the test's clock is the audio). */
function observed(source: SyntheticSource, onFrame: () => void): FrameSource {
  return {
    sampleRate: source.sampleRate,
    ended: source.ended,
    start: (deliver) =>
      source.start((frame) => {
        deliver(frame);
        onFrame();
      }),
    stop: () => source.stop(),
  };
}

const CLOUD = PROVIDERS.filter((p) => p.name.startsWith('OpenAI Realtime') || p.name === 'Deepgram');

describe.each(CLOUD)('a 90 s outage of $name', (provider) => {
  it('keeps the session going: every sample accounted for once, every final once and in order', async () => {
    const fake: FakeService = await provider.start({});
    cleanup.push(() => fake.close());
    const proxy = new OutageProxy(fake.port);
    await proxy.up();
    cleanup.push(() => proxy.down());
    const dir = mkdtempSync(join(tmpdir(), 'earshot-outage-it-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));

    const speech = synthesizeSpeech(provider.rate, UTTERANCES, { pauseMs: 1_500 });
    const synthetic = new SyntheticSource(provider.rate, speech.samples, 20);
    let framesDown = -1; // counts the frames captured while the service is unreachable
    let restored: Promise<void> | null = null;
    const source = observed(synthetic, () => {
      if (framesDown < 0) return;
      framesDown += 1;
      if (framesDown * 20 >= OUTAGE_MS && !restored) restored = proxy.up();
    });
    const session = new Session({
      source,
      provider: { ...provider.config(fake), url: viaPort(fake.url, proxy.port) },
      // The fake reads a 90 s replay slower than a 300 ms ping expects; a peer that is only busy is not dead.
      heartbeatIntervalMs: 2_000,
      connectTimeoutMs: 3_000,
      backoff: { baseMs: 20, maxMs: 200 },
      drainTimeoutMs: 10_000,
      replayBufferMs: 60_000,
      spillDir: dir,
    });
    const events: TranscriptEvent[] = [];
    const snapshots: SessionSnapshot[] = [];
    session.on('snapshot', (s) => snapshots.push(s));
    session.on('transcript', (e) => {
      events.push(e);
      // Mid-utterance: the first words of utterance 3 are on screen as a partial.
      if (framesDown < 0 && !e.isFinal && e.text.includes(wordText(7))) {
        framesDown = 0;
        void proxy.down();
      }
    });

    await within(session.start(), 15_000, 'the session to start streaming');
    await within(synthetic.ended, 60_000, 'the synthetic source to end');
    expect(framesDown).toBeGreaterThan(0);
    expect(restored).not.toBeNull();
    const stopped = await within(session.stop(), 60_000, 'the session to drain and stop');

    expect(stopped.state).toBe('idle');
    expect(snapshots.every((s) => s.state !== 'error')).toBe(true);
    // It retried far past the old limit of 10 attempts, and said so the way the front ends show it.
    expect(Math.max(...snapshots.map((s) => s.reconnectAttempt))).toBeGreaterThan(10);
    expect(snapshots.some((s) => offlineStatus(s)?.startsWith('Offline — still recording'))).toBe(true);
    expect(Math.max(...snapshots.map((s) => s.spilledMs ?? 0))).toBeGreaterThan(0);
    expect(session.stats.droppedMs).toBe(0);
    // Sample for sample: the accounted audio is the captured audio, nothing twice, nothing missing.
    const captured = synthetic.captured();
    const accounted = fake.accountedAudio();
    expect(accounted.length).toBe(captured.length);
    expect(Buffer.compare(Buffer.from(accounted.buffer, 0, accounted.byteLength), Buffer.from(captured.buffer))).toBe(
      0,
    );
    // Every word in exactly one final, in audio order.
    const finals = events.filter((e) => e.isFinal);
    expect(finalWords(finals)).toEqual(ALL_WORDS);
    const ids = finals.map((f) => f.segmentId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(session.transcript.partial).toBeNull();
  });
});
