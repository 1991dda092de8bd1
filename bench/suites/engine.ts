import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startEngine, type RunningEngine } from '../../src/engine/engine.ts';
import { EngineTestClient } from '../../tests/fixtures/engine/client.ts';
import { buildSessionAudio, frames, loadHeldout, type SessionAudio } from '../../tests/fixtures/engine/heldout.ts';
import { decodeDirect } from '../../tests/fixtures/engine/run-session.ts';
import { BIN_EARSHOT, OFFLINE_TEST_MODEL, STREAMING_TEST_MODEL, VAD_MODEL } from '../../tests/helpers/paths.ts';
import { percentiles, round, type BenchContext, type BenchSuite } from '../suite.ts';

/**
 * The embedded engine on this machine, with both test models (offline CTC over Silero VAD,
 * online streaming CTC):
 * - rtf: whole recognizer pipeline (resampling, VAD, partial re-decodes, finals) in-process;
 * - concurrency: real-time streams over WebSocket, stepping up the count while p95
 *   end-of-speech → `completed` stays under 1 s (end of speech = end of the utterance's audio;
 *   the figure includes the 500 ms silence the VAD/endpointer waits for by design);
 * - first delta after speech onset (onset = first word's start per the model's own timing);
 * - memory per connection, from a fresh `earshot serve` process per figure (idle-configured
 *   and streaming connections);
 * - ping round trip on an idle connection while others stream at full speed (decoding runs
 *   in worker threads at a lower priority, so socket I/O must not stall).
 */
const MODELS = [
  { key: 'offline', dir: OFFLINE_TEST_MODEL },
  { key: 'online', dir: STREAMING_TEST_MODEL },
] as const;

const suite: BenchSuite = {
  name: 'engine',
  description:
    'embedded engine: RTF, concurrent real-time streams, first-delta latency, memory per connection, I/O under load',
  async run(context) {
    const figures: Record<string, unknown> = {};
    const utterances = await loadHeldout(16_000);
    for (const model of MODELS) {
      const audio = buildSessionAudio(utterances.slice(0, context.quick ? 10 : 40), 16_000);
      figures[`rtf_${model.key}`] = rtf(model.dir, audio);
      context.log(`${model.key}: rtf ${JSON.stringify(figures[`rtf_${model.key}`])}`);
      const engine = await startEngine({ modelDir: model.dir, vadModelPath: VAD_MODEL });
      try {
        figures[`concurrency_${model.key}`] = await concurrency(engine, utterances.slice(0, 4), context);
      } finally {
        await engine.close();
      }
      figures[`memory_per_connection_${model.key}`] = await memoryPerConnection(
        model.dir,
        buildSessionAudio(utterances.slice(0, 4), 16_000),
        context.quick ? 16 : 32,
      );
      figures[`io_under_load_${model.key}`] = await ioUnderLoad(
        model.dir,
        buildSessionAudio(utterances.slice(0, 10), 16_000),
        context.quick ? 4 : 8,
      );
    }
    return figures;
  },
};

export default suite;

function rtf(modelDir: string, audio: SessionAudio): Record<string, number> {
  decodeDirect(modelDir, buildSessionAudio([], 16_000)); // load the model outside the timing
  const t0 = performance.now();
  decodeDirect(modelDir, audio);
  const seconds = (performance.now() - t0) / 1000;
  const audioS = audio.pcm.length / audio.rate;
  return { audioSeconds: round(audioS, 1), rtf: round(seconds / audioS, 4) };
}

interface StreamStats {
  readonly endToCompletedMs: number[];
  readonly firstDeltaMs: number[];
  readonly errors: number;
}

/** Streams the utterances on `n` connections in real time, started 10 ms apart. */
async function realtimeStreams(engine: RunningEngine, audio: SessionAudio, n: number): Promise<StreamStats> {
  const stats: StreamStats = { endToCompletedMs: [], firstDeltaMs: [], errors: 0 };
  const one = async (delayMs: number): Promise<void> => {
    await new Promise((r) => setTimeout(r, delayMs));
    const client = await EngineTestClient.connect(engine.url, engine.token);
    client.configure(16_000);
    await client.waitFor('session.updated', (es) => es.some((e) => e.type === 'session.updated'));
    const t0 = performance.now();
    await client.stream(frames(audio.pcm, 16_000), true);
    const last = audio.spans.at(-1)!;
    await client
      .waitFor(
        'the last completed',
        (es) => es.some((e) => e.type.endsWith('.completed') && (e['end_ms'] as number) >= last.startMs),
        10_000,
      )
      .catch(() => (stats as { errors: number }).errors++);
    const firstDelta = new Map<string, number>();
    for (const e of client.events) {
      if (e.type === 'conversation.item.input_audio_transcription.delta' && !firstDelta.has(e['item_id'] as string))
        firstDelta.set(e['item_id'] as string, e.receivedAt);
      if (e.type === 'conversation.item.input_audio_transcription.completed') {
        const startMs = e['start_ms'] as number;
        const span = audio.spans.find((s) => startMs >= s.startMs - 600 && startMs < s.endMs);
        if (span) stats.endToCompletedMs.push(e.receivedAt - (t0 + span.endMs));
        const words = e['words'] as { start_ms: number }[];
        const delta = firstDelta.get(e['item_id'] as string);
        if (delta !== undefined && words[0]) stats.firstDeltaMs.push(delta - (t0 + words[0].start_ms));
      }
    }
    (stats as { errors: number }).errors += client.ofType('error').length;
    await client.close();
  };
  await Promise.all(Array.from({ length: n }, (_, i) => one(i * 10)));
  return stats;
}

async function concurrency(
  engine: RunningEngine,
  utterances: Awaited<ReturnType<typeof loadHeldout>>,
  context: BenchContext,
): Promise<Record<string, unknown>> {
  const audio = buildSessionAudio(utterances, 16_000);
  const steps = context.quick ? [1, 4, 16] : [1, 4, 8, 16, 32, 48, 64, 96];
  const results: Record<string, unknown>[] = [];
  let sustained = 0;
  let firstDelta: Record<string, number> = {};
  for (const n of steps) {
    const stats = await realtimeStreams(engine, audio, n);
    const p = percentiles(stats.endToCompletedMs);
    results.push({ streams: n, endOfSpeechToCompletedMs: p, errors: stats.errors });
    context.log(
      `${engine.model.name}: ${n} streams → p95 end-of-speech→completed ${p['p95']} ms, errors ${stats.errors}`,
    );
    if (n === 1) firstDelta = percentiles(stats.firstDeltaMs);
    if ((p['p95'] ?? Infinity) < 1000 && stats.errors === 0) sustained = n;
    else break;
  }
  return {
    sustainedRealtimeStreams: sustained,
    note: 'largest tested count with p95 < 1 s and no errors',
    steps: results,
    firstDeltaAfterOnsetMs_1stream: firstDelta,
  };
}

/**
 * Memory per connection, each figure from a fresh `earshot serve` process (a long-lived one
 * has already grown, which hides the per-connection cost): RSS after a warm-up session with 0
 * connections, then with `n` connections open, and (RSS_n − RSS_0) / n. "configured": each
 * connection has its session configured and is idle; "streaming": each streams speech in
 * real time while RSS is read.
 */
export async function memoryPerConnection(
  modelDir: string,
  audio: SessionAudio,
  n: number,
): Promise<Record<string, unknown>> {
  const measure = async (streaming: boolean): Promise<Record<string, number>> => {
    const serve = await startServe(modelDir);
    try {
      const warm = await EngineTestClient.connect(serve.url, serve.token);
      warm.configure(16_000);
      await warm.stream(frames(audio.pcm.subarray(0, 16_000 * 3), 16_000), false);
      warm.send({ type: 'input_audio_buffer.commit' });
      await warm.waitFor(
        'the warm-up transcript',
        (es) => es.some((e) => e.type.endsWith('.completed') || e.type === 'error'),
        10_000,
      );
      await warm.close();
      const rss0 = await settledRss(serve.pid);
      const clients = await Promise.all(
        Array.from({ length: n }, () => EngineTestClient.connect(serve.url, serve.token)),
      );
      for (const c of clients) c.configure(16_000);
      await Promise.all(
        clients.map((c) => c.waitFor('session.updated', (es) => es.some((e) => e.type === 'session.updated'))),
      );
      const seconds = audio.pcm.subarray(0, 16_000 * 4);
      const streams = streaming ? clients.map((c) => c.stream(frames(seconds, 16_000), true)) : [];
      // Streaming: read while every connection holds speech in its recognizer (3 of the 4 s sent).
      if (streaming) await new Promise((r) => setTimeout(r, 3000));
      const rssN = streaming ? currentRssMB(serve.pid) : await settledRss(serve.pid);
      await Promise.all(streams);
      const errors = clients.reduce((sum, c) => sum + c.ofType('error').length, 0);
      await Promise.all(clients.map((c) => c.close()));
      return {
        connections: n,
        rss0MB: round(rss0, 1),
        rssNMB: round(rssN, 1),
        perConnectionMB: round((rssN - rss0) / n, 3),
        errors,
      };
    } finally {
      await serve.stop();
    }
  };
  return {
    method: 'fresh earshot serve per figure; RSS after warm-up with 0 connections vs with N; (RSS_N - RSS_0) / N',
    configuredIdle: await measure(false),
    streamingRealtime: await measure(true),
  };
}

function currentRssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) / 1024;
}

/** RSS once it has settled: the median of five readings 200 ms apart, after a second's pause. */
async function settledRss(pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 1000));
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(currentRssMB(pid));
    await new Promise((r) => setTimeout(r, 200));
  }
  return readings.sort((a, b) => a - b)[2]!;
}

interface Serve {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** A separate `earshot serve` process, ready when it printed its listening line. */
async function startServe(modelDir: string): Promise<Serve> {
  const child = spawn(process.execPath, [BIN_EARSHOT, 'serve', '--model-dir', modelDir], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const line = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`earshot serve exited with ${code}`)));
      createInterface({ input: child.stdout }).once('line', (l) =>
        resolve(JSON.parse(l) as { url: string; token: string }),
      );
    });
    return { ...line, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Ping round trips on an idle connection, alone and while `n` connections stream at full
 * speed. The engine runs as its own process (`earshot serve`), so the figure is its socket
 * thread's responsiveness; the load generator yields after every frame so this process's
 * own loop does not distort the round trips.
 */
export async function ioUnderLoad(modelDir: string, audio: SessionAudio, n: number): Promise<Record<string, unknown>> {
  const line = await startServe(modelDir);
  try {
    const probe = await EngineTestClient.connect(line.url, line.token);
    const pings = async (durationMs: number): Promise<number[]> => {
      const rtts: number[] = [];
      const end = performance.now() + durationMs;
      while (performance.now() < end) {
        const t = performance.now();
        await new Promise<void>((resolve) => {
          probe.ws.once('pong', () => resolve());
          probe.ws.ping();
        });
        rtts.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
      return rtts;
    };
    const idle = await pings(1000);
    const loaders = await Promise.all(Array.from({ length: n }, () => EngineTestClient.connect(line.url, line.token)));
    for (const l of loaders) l.configure(16_000);
    let sent = 0;
    const t0 = performance.now();
    const streaming = Promise.all(
      loaders.map(async (l) => {
        for (const f of frames(audio.pcm, 16_000)) {
          l.append(f);
          sent += f.length;
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
    const loaded = await pings(3000);
    await streaming;
    const sendRate = sent / 16_000 / ((performance.now() - t0) / 1000);
    await Promise.all([...loaders, probe].map((c) => c.close()));
    return {
      fullSpeedStreams: n,
      audioSentPerWallSecond: round(sendRate, 1),
      pingRttIdleMs: percentiles(idle),
      pingRttUnderLoadMs: percentiles(loaded),
    };
  } finally {
    await line.stop();
  }
}
