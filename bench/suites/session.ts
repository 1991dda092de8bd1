import { Session } from '../../src/core/session/session.ts';
import type { ProviderConfig } from '../../src/core/providers/types.ts';
import { FakeDeepgram } from '../../tests/fakes/fake-deepgram.ts';
import type { FakeService } from '../../tests/fakes/fake-base.ts';
import { FakeOpenAi } from '../../tests/fakes/fake-openai.ts';
import { SyntheticSource } from '../../tests/fakes/synthetic-source.ts';
import { synthesizeSpeech } from '../../tests/fakes/word-audio.ts';
import { percentiles, round, type BenchContext, type BenchSuite } from '../suite.ts';

/**
 * What the session layer itself adds, against the fake services on loopback:
 * - frame in → audio handed to the WebSocket (encode + replay-buffer bookkeeping + send);
 * - provider message in → transcript event out (decode + transcript model + journal-free emit);
 * - replaying 10 s of buffered audio after a reconnect: time to hand it to the socket, and
 *   time until the service has received all of it.
 */
const KEY = 'bench-key';

function speech(rate: number, utterances: number): ReturnType<typeof synthesizeSpeech> {
  return synthesizeSpeech(
    rate,
    Array.from({ length: utterances }, (_, u) => [1, 2, 3, 4].map((w) => ((u * 4 + w) % 90) + 1)),
  );
}

async function latency(
  name: string,
  fake: FakeService,
  config: ProviderConfig,
  rate: number,
  utterances: number,
  ctx: BenchContext,
): Promise<Record<string, unknown>> {
  const audio = speech(rate, utterances);
  // 4× real time: a steady stream, with the event loop otherwise idle, like a live microphone.
  const source = new SyntheticSource(rate, audio.samples, 4);
  const session = new Session({ source, provider: config, measureLatency: true });
  await session.start();
  await source.ended;
  await session.stop();
  await fake.close();
  ctx.log(
    `${name}: ${session.latency.frameToSend.length} frames, ${session.latency.messageToEvent.length} transcript messages`,
  );
  return {
    frameInToWsSendMs: percentiles(session.latency.frameToSend, [50, 99]),
    messageInToTranscriptEventMs: percentiles(session.latency.messageToEvent, [50, 99]),
  };
}

async function replay(ctx: BenchContext, rate: number): Promise<Record<string, unknown>> {
  const fake = await new FakeOpenAi({
    apiKey: KEY,
    allowRate16k: true,
    faults: { drop: [{ connection: 1, afterWords: 1 }] },
  }).start();
  // One long utterance: nothing settles while it is buffered, so all of it is replayed.
  const audio = synthesizeSpeech(rate, [Array.from({ length: 60 }, (_, i) => (i % 90) + 1)], {
    leadMs: 200,
    tailMs: 800,
  });
  const source = new SyntheticSource(rate, audio.samples, 100);
  const session = new Session({
    source,
    provider: { id: 'local', url: fake.url, apiKey: KEY },
    backoff: { baseMs: 10, maxMs: 20 },
    maxReconnectAttempts: 1000,
  });
  const target = rate * 10;
  let liveAt = 0;
  let delivered = 0;
  session.on('snapshot', (s) => {
    if (s.state === 'reconnecting') fake.refuseUpgrades = true;
  });
  await session.start();
  // Let 10 s of audio pile up while the service is down, then let it back in.
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (session.snapshot.bufferedMs >= 10_000) {
        clearInterval(poll);
        resolve();
      }
    }, 1);
  });
  await source.stop();
  const buffered = session.snapshot.bufferedMs;
  session.once('snapshot', () => {
    liveAt = performance.now();
  });
  fake.refuseUpgrades = false;
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      const conn = fake.connections[1];
      if (conn && conn.audio.length >= Math.min(target, (buffered * rate) / 1000)) {
        delivered = performance.now() - liveAt;
        clearInterval(poll);
        resolve();
      }
    }, 0);
  });
  await session.stop();
  await fake.close();
  ctx.log(`replayed ${round(buffered / 1000, 1)} s`);
  return {
    bufferedS: round(buffered / 1000, 2),
    sendMs: round(session.stats.lastReplay?.ms ?? NaN),
    deliveredMs: round(delivered),
  };
}

const suite: BenchSuite = {
  name: 'session',
  description: 'session-layer latency (frame → ws send, message → transcript event) and 10 s replay after a reconnect',
  async run(ctx) {
    const utterances = ctx.quick ? 5 : 30;
    const openai = await new FakeOpenAi({ apiKey: KEY }).start();
    const deepgram = await new FakeDeepgram({ apiKey: KEY }).start();
    return {
      openaiGa24k: await latency(
        'OpenAI GA (base64 JSON)',
        openai,
        { id: 'openai', url: openai.url, apiKey: KEY },
        24_000,
        utterances,
        ctx,
      ),
      deepgram16k: await latency(
        'Deepgram (binary)',
        deepgram,
        { id: 'deepgram', url: deepgram.url, apiKey: KEY },
        16_000,
        utterances,
        ctx,
      ),
      replay10sEngine16k: await replay(ctx, 16_000),
    };
  },
};

export default suite;
