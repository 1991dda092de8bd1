import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameSource } from '../../src/shared/audio-frame.ts';
import type { SessionSnapshot } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { startLocalEngine, type LocalEngine } from '../../src/core/engine-host/launcher.ts';
import { createProvider } from '../../src/core/providers/index.ts';
import { Session } from '../../src/core/session/session.ts';
import type { OpenTransport } from '../../src/core/session/transport.ts';
import { openWebSocket } from '../../src/core/session/websocket-transport.ts';
import { parseWav } from '../../src/core/sources/wav.ts';
import { spawnNodeChild } from '../../src/platform/process/node-spawn.ts';
import { joinSamples } from '../fakes/fake-base.ts';
import { FakeDeepgram } from '../fakes/fake-deepgram.ts';
import { finalWords, KEY, within } from '../fakes/session-harness.ts';
import { SyntheticSource } from '../fakes/synthetic-source.ts';
import { synthesizeSpeech, wordText } from '../fakes/word-audio.ts';
import { OutageProxy, viaPort } from '../helpers/outage-proxy.ts';
import { OFFLINE_TEST_MODEL, requireSharedModels } from '../helpers/paths.ts';
import { heldoutClips } from '../helpers/speech-clips.ts';

/**
 * Failover with the real embedded engine (the offline test model) and a cloud service (the
 * Deepgram fake) behind a TCP relay whose listening socket really closes. The program: coded
 * words the cloud fake recognises, then real speech while the cloud is unreachable (the engine
 * transcribes it), then, once the relay listens again, coded words for the cloud again.
 *
 * Time is compressed: the outage lasts the middle part (about half a minute of audio played at
 * 3× real time) and the threshold is 1 s instead of 15 s, the probe interval 0.5 s; the
 * mechanism is the same for a 10-minute outage (the scripted test rides out 10 minutes).
 */
const RATE = 16_000;
const cleanup: (() => Promise<void> | void)[] = [];
let engine: LocalEngine | null = null;
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await engine?.stop();
  engine = null;
});

/** Real speech: held-out espeak utterances, 0.6 s apart. */
function realSpeech(count: number): Int16Array {
  const gap = new Int16Array(RATE * 0.6);
  return joinSamples(heldoutClips(0, count).flatMap((clip) => [parseWav(readFileSync(clip.file)).samples, gap]));
}

/** What the session sent on each connection: PCM for the cloud, the engine's base64 appends decoded. */
interface Tapped {
  readonly url: string;
  readonly audio: Int16Array[];
}

function tap(connections: Tapped[]): OpenTransport {
  return (request, options, listener) => {
    const tapped = { url: request.url, audio: [] as Int16Array[] };
    connections.push(tapped);
    const socket = openWebSocket(request, options, listener);
    return {
      ...socket,
      send(message) {
        tapped.audio.push(...decodeAudio(message));
        socket.send(message);
      },
    };
  };
}

function decodeAudio(message: string | Buffer): Int16Array[] {
  if (typeof message !== 'string')
    return [new Int16Array(message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength))];
  const parsed = JSON.parse(message) as { type?: string; audio?: string };
  if (parsed.type !== 'input_audio_buffer.append' || !parsed.audio) return [];
  const bytes = Buffer.from(parsed.audio, 'base64');
  return [new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))];
}

function sameAudio(a: Int16Array, b: Int16Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

describe('failover to the embedded engine during a long outage', () => {
  it('switches within the threshold and back when the cloud returns, no sample lost or doubled at either switch', async () => {
    requireSharedModels();
    engine = await startLocalEngine({ spawn: spawnNodeChild, modelDir: OFFLINE_TEST_MODEL, backoffBaseMs: 100 });
    const fake = await new FakeDeepgram({ apiKey: KEY }).start();
    cleanup.push(() => fake.close());
    const proxy = new OutageProxy(fake.port);
    await proxy.up();
    cleanup.push(() => proxy.down());

    const before = synthesizeSpeech(
      RATE,
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ],
      { tailMs: 600 },
    );
    const middle = realSpeech(10);
    const after = synthesizeSpeech(
      RATE,
      [
        [9, 10, 11, 12],
        [13, 14, 15, 16],
      ],
      { leadMs: 3_000 },
    );
    const program = joinSamples([before.samples, middle, after.samples]);
    const synthetic = new SyntheticSource(RATE, program, 3);
    const marks = { down: before.samples.length, up: before.samples.length + middle.length };
    let captured = 0;
    let downAt = 0;
    const source: FrameSource = {
      sampleRate: RATE,
      ended: synthetic.ended,
      start: (deliver) =>
        synthetic.start((frame) => {
          deliver(frame);
          captured += frame.samples.length;
          if (captured >= marks.down && downAt === 0) {
            downAt = performance.now();
            void proxy.down();
          }
          if (captured >= marks.up && !proxy.isUp) void proxy.up();
        }),
      stop: () => synthetic.stop(),
    };
    const sent: Tapped[] = [];
    const cloudUrl = viaPort(fake.url, proxy.port);
    const session = new Session({
      source,
      provider: { id: 'deepgram', url: cloudUrl, apiKey: KEY },
      openTransport: tap(sent),
      heartbeatIntervalMs: 2_000,
      connectTimeoutMs: 3_000,
      backoff: { baseMs: 20, maxMs: 200 },
      drainTimeoutMs: 15_000,
      failover: {
        resolve: () =>
          Promise.resolve(createProvider({ id: 'local', url: engine!.url, apiKey: engine!.token, sampleRate: RATE })),
        afterMs: 1_000,
        probeMs: 500,
        switchBack: true,
      },
    });
    const events: TranscriptEvent[] = [];
    const snapshots: { at: number; snapshot: SessionSnapshot }[] = [];
    const warnings: string[] = [];
    session.on('transcript', (e) => events.push(e));
    session.on('snapshot', (snapshot) => snapshots.push({ at: performance.now(), snapshot }));
    session.on('warning', (w) => warnings.push(w.code));

    await within(session.start(), 15_000, 'the session to start streaming');
    await within(synthetic.ended, 90_000, 'the program to play out');
    const stopped = await within(session.stop(), 30_000, 'the drain');
    expect(stopped.state).toBe('idle');
    expect(snapshots.every((s) => s.snapshot.state !== 'error')).toBe(true);
    expect(warnings).toEqual(['FAILOVER_ACTIVE']);

    // Failover within the threshold (1 s here, plus the engine's connect: an order of magnitude).
    const failedOver = snapshots.find((s) => s.snapshot.servingProvider === 'local');
    expect(failedOver).toBeDefined();
    expect(failedOver!.at - downAt).toBeLessThan(1_000 + 5_000);
    // And back on the cloud at the end.
    expect(snapshots.filter((s) => s.snapshot.state === 'streaming').at(-1)?.snapshot.servingProvider).toBeNull();

    // The audio went cloud → engine → cloud in one line: every sample to exactly one service.
    const withAudio = sent.filter((t) => t.audio.length > 0);
    const enginePort = new URL(engine.url).port;
    expect(withAudio.map((t) => (new URL(t.url).port === enginePort ? 'engine' : 'cloud'))).toEqual([
      'cloud',
      'engine',
      'cloud',
    ]);
    const [, toEngine, backToCloud] = withAudio.map((t) => joinSamples(t.audio));
    const all = synthetic.captured();
    const boundary = fake.accountedBy(1).length; // where the cloud's accounting stood at the outage
    expect(sameAudio(fake.accountedBy(1), all.subarray(0, boundary))).toBe(true);
    const switchBack = boundary + toEngine!.length;
    expect(sameAudio(toEngine!, all.subarray(boundary, switchBack))).toBe(true);
    expect(sameAudio(backToCloud!, all.subarray(switchBack))).toBe(true);
    expect(sameAudio(fake.accountedBy(fake.connections.length), all.subarray(switchBack))).toBe(true);

    // Words kept appearing while offline, from this computer, within its stretch of audio.
    const finals = events.filter((e) => e.isFinal);
    const offline = finals.filter((f) => f.provider === 'local');
    expect(offline.some((f) => f.text.trim().length > 0)).toBe(true);
    for (const f of offline) {
      expect(f.startMs).toBeGreaterThanOrEqual((boundary * 1000) / RATE - 1);
      expect(f.endMs).toBeLessThanOrEqual((switchBack * 1000) / RATE + 1);
    }
    // Every cloud word once, in order; the cloud's finals and this computer's in audio order.
    const cloudFinals = finals.filter((f) => f.provider === 'deepgram');
    expect(finalWords(cloudFinals)).toEqual(Array.from({ length: 16 }, (_, i) => wordText(i + 1)));
    const starts = finals.map((f) => f.startMs ?? 0);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });
});
