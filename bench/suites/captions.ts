import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { CAPTIONS_DEFAULTS } from '../../src/core/captions/options.ts';
import { startCaptionsServer, type SubscriberClosedInfo } from '../../src/core/captions/server.ts';
import { percentiles, PLOT_KEY, round, type BenchContext, type BenchSuite, type PlotRequest } from '../suite.ts';

/**
 * Captions fan-out under load: 1,000 subscribers, 50 of which never read, while 20 finals/s
 * (each preceded by two partials) are published for 60 s. The server runs in this process;
 * the subscribers run in a child process (this same file, started with CHILD_FLAG), so the
 * server's event-loop lag and memory are its own and latency crosses a real process boundary.
 *
 * Latency is publish call → message handled by the subscriber, both stamped with
 * `performance.timeOrigin + performance.now()` (a wall clock with sub-ms resolution shared by
 * processes on one machine). Figures use the server's default limits (see options.ts).
 */

const CHILD_FLAG = '--captions-bench-subscribers';
const FINALS_PER_SECOND = 20;
const WORDS = 'the quick brown fox jumps over a lazy dog while captions keep pace with every spoken word'.split(' ');

interface ChildConfig {
  readonly url: string;
  readonly subscribers: number;
  readonly stalled: number;
}

type ToChild = { type: 'finish'; publishedAt: number[]; timeoutMs: number };
type FromChild =
  | { type: 'connected'; ms: number }
  | {
      type: 'result';
      healthy: number;
      inOrderComplete: number;
      problems: string[];
      closedHealthy: number;
      latency: Record<string, number>;
      quantiles: number[];
      messages: number;
      rssPeakMb: number;
      cpuPercent: number;
    };

const now = (): number => performance.timeOrigin + performance.now();

function sentence(k: number): string {
  const words = Array.from({ length: 18 }, (_, i) => WORDS[(k * 7 + i * 3) % WORDS.length]!);
  return `${k}: ${words.join(' ')}.`;
}

async function run(context: BenchContext): Promise<Record<string, unknown>> {
  const subscribers = 1000;
  const stalled = 50;
  // Quick mode still outlasts a stalled subscriber's ~17 s path to its close (bound, then 5 s over it).
  const durationS = context.quick ? 25 : 60;
  const finals = FINALS_PER_SECOND * durationS;

  const rssBaseline = process.memoryUsage.rss();
  const server = await startCaptionsServer();
  const closes: SubscriberClosedInfo[] = [];
  server.on('subscriber-closed', (info) => closes.push(info));

  const child = fork(import.meta.filename, [CHILD_FLAG], { execArgv: [], serialization: 'advanced', stdio: 'inherit' });
  const fromChild = (type: FromChild['type'], timeoutMs: number): Promise<FromChild> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`subscriber process: no '${type}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (m: FromChild): void => {
        if (m.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`subscriber process exited (${code}) before '${type}'`)));
    });
  try {
    const config: ChildConfig = { url: `${server.url}?token=${server.token}`, subscribers, stalled };
    child.send(config);
    const connected = await fromChild('connected', 60_000);
    context.log(`${subscribers} subscribers connected in ${(connected as { ms: number }).ms} ms`);
    const rssConnected = process.memoryUsage.rss();

    // Measure only the publishing phase: lag and memory while the fan-out runs.
    const lag = monitorEventLoopDelay({ resolution: 1 });
    let rssPeak = rssConnected;
    // A timeline as well as the peak: bounded memory shows as a plateau, a leak as a slope.
    const every5s: { rss: number[]; heapUsed: number[]; arrayBuffers: number[] } = {
      rss: [],
      heapUsed: [],
      arrayBuffers: [],
    };
    let rssTicks = 0;
    const rssTimer = setInterval(() => {
      const rss = process.memoryUsage.rss();
      rssPeak = Math.max(rssPeak, rss);
      if (++rssTicks % 50 !== 0) return;
      const usage = process.memoryUsage();
      every5s.rss.push(mb(usage.rss));
      every5s.heapUsed.push(mb(usage.heapUsed));
      every5s.arrayBuffers.push(mb(usage.arrayBuffers));
    }, 100);
    lag.enable();
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const loadStart = loadavg()[0]!;
    const publishedAt: number[] = [];
    const publishCallMs: number[] = [];
    server.publishSession('streaming');
    const start = performance.now() + 100;
    const slot = 1000 / FINALS_PER_SECOND;
    for (let k = 0; k < finals; k++) {
      // Drift-free schedule: each slot publishes a final and the next segment's first partial;
      // mid-slot the second partial (60 messages/s in all).
      await sleepUntil(start + k * slot);
      const t0 = performance.now();
      publishedAt[k] = now();
      server.publishTranscript({
        segmentId: `s${k}`,
        text: sentence(k),
        isFinal: true,
        startMs: k * slot,
        endMs: (k + 1) * slot,
      });
      server.publishTranscript({ segmentId: `s${k + 1}`, text: sentence(k + 1).slice(0, 40), isFinal: false });
      publishCallMs.push(performance.now() - t0);
      await sleepUntil(start + (k + 0.5) * slot);
      server.publishTranscript({ segmentId: `s${k + 1}`, text: sentence(k + 1).slice(0, 90), isFinal: false });
      if (k % (FINALS_PER_SECOND * 10) === 0)
        context.log(`t=${(k / FINALS_PER_SECOND).toFixed(0)} s, subscribers ${server.subscriberCount}`);
    }
    lag.disable();
    const cpu = process.cpuUsage(cpuStart);
    const serverCpuPercent = round(((cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)) * 100, 1);
    const loadEnd = loadavg()[0]!;
    clearInterval(rssTimer);
    const rssEnd = process.memoryUsage.rss();

    const finish: ToChild = { type: 'finish', publishedAt, timeoutMs: 15_000 };
    child.send(finish);
    const result = (await fromChild('result', 60_000)) as Extract<FromChild, { type: 'result' }>;

    const stalledCloses = closes.filter((c) => c.kind === 'slow');
    const otherCloses = closes.filter((c) => c.kind !== 'slow');
    const lagMs = { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
    const closeBound = CAPTIONS_DEFAULTS.stallTimeoutMs + 250; // + one sweep interval
    const pass = {
      everyHealthyGotEveryFinalInOrder: result.inOrderComplete === subscribers - stalled && result.closedHealthy === 0,
      p99LatencyUnder50ms: (result.latency['p99'] ?? Infinity) < 50,
      allStalledClosedWithinBound:
        stalledCloses.length === stalled &&
        stalledCloses.every((c) => c.overBoundMs <= closeBound) &&
        otherCloses.length === 0,
      eventLoopLagP99Under20ms: lagMs.p99 < 20,
    };
    const plot: PlotRequest = {
      title: `Captions delivery latency, ${subscribers - stalled} healthy subscribers, ${FINALS_PER_SECOND} finals/s`,
      series: [{ name: 'publish → subscriber (ms)', values: result.quantiles, target: { p95: 50 } }],
    };
    return {
      config: {
        subscribers,
        stalled,
        finalsPerSecond: FINALS_PER_SECOND,
        messagesPerSecond: FINALS_PER_SECOND * 3,
        durationS,
        finals,
        limits: CAPTIONS_DEFAULTS,
      },
      pass,
      delivery: {
        healthy: result.healthy,
        completeAndInOrder: result.inOrderComplete,
        healthyClosed: result.closedHealthy,
        problems: result.problems.slice(0, 10),
        messagesReceived: result.messages,
        subscriberProcessCpuPercentOfOneCore: result.cpuPercent,
        latencyMs: result.latency,
      },
      stalled: {
        closed: stalledCloses.length,
        code: [...new Set(stalledCloses.map((c) => c.code))],
        otherCloses: otherCloses.map((c) => `${c.kind}:${c.code}`).slice(0, 10),
        closedAfterConnectS: percentiles(
          stalledCloses.map((c) => c.connectedMs / 1000),
          [50, 100],
        ),
        overBoundAtCloseMs: percentiles(
          stalledCloses.map((c) => c.overBoundMs),
          [50, 100],
        ),
        backlogAtCloseKiB: percentiles(
          stalledCloses.map((c) => c.backlogBytes / 1024),
          [50, 100],
        ),
        boundKiB: CAPTIONS_DEFAULTS.maxBacklogBytes / 1024,
      },
      machine: { loadAverage1mStart: round(loadStart, 2), loadAverage1mEnd: round(loadEnd, 2), cores: cpus().length },
      publisher: {
        cpuPercentOfOneCore: serverCpuPercent,
        eventLoopLagMs: { p50: round(lagMs.p50), p99: round(lagMs.p99), max: round(lagMs.max) },
        publishCallMs: percentiles(publishCallMs),
      },
      memoryMb: {
        serverRssBaseline: mb(rssBaseline),
        serverRssConnected: mb(rssConnected),
        serverRssPeak: mb(rssPeak),
        serverEvery5s: every5s,
        serverRssEnd: mb(rssEnd),
        subscriberProcessRssPeak: result.rssPeakMb,
      },
      [PLOT_KEY]: plot,
    };
  } finally {
    child.kill();
    await server.close();
  }
}

function mb(bytes: number): number {
  return round(bytes / 1024 / 1024, 1);
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}

/** The subscriber side, in its own process: healthy clients record every final; stalled ones never read. */
async function runSubscribers(
  config: ChildConfig,
  send: (m: FromChild) => void,
  onFinish: Promise<ToChild>,
): Promise<void> {
  const healthyCount = config.subscribers - config.stalled;
  const received: number[][] = Array.from({ length: healthyCount }, () => []);
  const receivedAt: number[][] = Array.from({ length: healthyCount }, () => []);
  let messages = 0;
  let closedHealthy = 0;
  let rssPeak = process.memoryUsage.rss();
  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 250);
  const sockets: WebSocket[] = [];
  const t0 = performance.now();
  const open = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(config.url, { perMessageDeflate: false, skipUTF8Validation: true });
      sockets.push(ws);
      ws.once('open', () => {
        if (i >= healthyCount) ws.pause(); // never reads again: its kernel buffers fill, then the server's bound
        resolve();
      });
      ws.once('error', reject);
      if (i >= healthyCount) return;
      ws.on('close', () => closedHealthy++);
      ws.on('message', (data: Buffer) => {
        const at = now();
        messages++;
        // Cheaper than JSON.parse for 57,000 messages/s: finals are `{"type":"segment","id":"s<k>",...,"final":true`.
        const text = data.toString('latin1');
        if (!text.includes('"final":true')) return;
        const idStart = text.indexOf('"id":"s') + 7;
        received[i]!.push(Number(text.slice(idStart, text.indexOf('"', idStart))));
        receivedAt[i]!.push(at);
      });
    });
  for (let i = 0; i < config.subscribers; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, config.subscribers - i) }, (_, j) => open(i + j)));
  }
  send({ type: 'connected', ms: Math.round(performance.now() - t0) });

  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const finish = await onFinish;
  const cpu = process.cpuUsage(cpuStart);
  const cpuPercent = round(((cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)) * 100, 1);
  const expected = finish.publishedAt.length;
  const deadline = performance.now() + finish.timeoutMs;
  while (received.some((r) => r.length < expected) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));

  const problems: string[] = [];
  let inOrderComplete = 0;
  const latencies = new Float64Array(received.reduce((n, r) => n + r.length, 0));
  let n = 0;
  received.forEach((ids, i) => {
    const ok = ids.length === expected && ids.every((id, k) => id === k);
    if (ok) inOrderComplete++;
    else
      problems.push(
        `subscriber ${i}: ${ids.length}/${expected} finals, first mismatch at ${ids.findIndex((id, k) => id !== k)}`,
      );
    ids.forEach((id, k) => (latencies[n++] = receivedAt[i]![k]! - (finish.publishedAt[id] ?? NaN)));
  });
  latencies.sort();
  const at = (p: number): number =>
    round(latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))] ?? NaN);
  const quantiles = Array.from({ length: 1000 }, (_, q) => at((q + 1) / 1000));
  clearInterval(rssTimer);
  send({
    type: 'result',
    healthy: healthyCount,
    inOrderComplete,
    problems,
    closedHealthy,
    latency: { count: latencies.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) },
    quantiles,
    messages,
    rssPeakMb: round(rssPeak / 1024 / 1024, 1),
    cpuPercent,
  });
  for (const ws of sockets) ws.terminate();
}

if (process.argv.includes(CHILD_FLAG)) {
  const parent = process as ChildProcess & NodeJS.Process;
  const config = await new Promise<ChildConfig>((resolve) => parent.once('message', (m) => resolve(m as ChildConfig)));
  const finish = new Promise<ToChild>((resolve) =>
    parent.on('message', (m) => (m as ToChild).type === 'finish' && resolve(m as ToChild)),
  );
  await runSubscribers(config, (m) => parent.send(m), finish);
  parent.disconnect();
}

const suite: BenchSuite = {
  name: 'captions',
  description:
    '1,000 captions subscribers (50 never read), 20 finals/s: delivery, latency, stalled closes, lag, memory',
  run,
};
export default suite;
