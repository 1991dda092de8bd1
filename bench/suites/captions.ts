import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { CAPTIONS_DEFAULTS } from '../../src/core/captions/options.ts';
import { startCaptionsServer, type SubscriberClosedInfo } from '../../src/core/captions/server.ts';
import { percentiles, PLOT_KEY, round, type BenchContext, type BenchSuite, type PlotRequest } from '../suite.ts';

/**
 * Captions fan-out under load: 1,000 subscribers, 50 of which never read, while 20 finals/s
 * (each followed by two partials of the next segment) are published for 60 s. The server
 * runs in this process; the subscribers run in child processes (this same file, started with
 * CHILD_FLAG), so the server's event-loop lag and memory are its own, and every message
 * crosses a real process boundary. Two subscriber processes, so the measuring instrument is
 * not the bottleneck on a 2-core machine.
 *
 * Latency is publish call → message handled by the subscriber, both stamped with
 * `performance.timeOrigin + performance.now()` (a wall clock with sub-ms resolution shared by
 * processes on one machine). The server runs with its default limits (options.ts).
 */

const CHILD_FLAG = '--captions-bench-subscribers';
const FINALS_PER_SECOND = 20;
const SUBSCRIBER_PROCESSES = 2;
const WORDS = 'the quick brown fox jumps over a lazy dog while captions keep pace with every spoken word'.split(' ');

interface ChildConfig {
  readonly url: string;
  readonly healthy: number;
  readonly stalled: number;
}
type ToChild = { type: 'finish'; publishedAt: number[]; timeoutMs: number };
interface ChildResult {
  readonly type: 'result';
  readonly completeAndInOrder: number;
  readonly problems: string[];
  readonly closedHealthy: number;
  readonly latencies: Float64Array;
  readonly messages: number;
  readonly rssPeakMb: number;
  readonly cpuPercent: number;
}
type FromChild = { type: 'connected' } | ChildResult;

const now = (): number => performance.timeOrigin + performance.now();
const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);
const sleepUntil = (at: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));

function sentence(k: number): string {
  const words = Array.from({ length: 18 }, (_, i) => WORDS[(k * 7 + i * 3) % WORDS.length]!);
  return `${k}: ${words.join(' ')}.`;
}

/** One subscriber process, with a promise per message type it will send. */
function startChild(config: ChildConfig): {
  child: ChildProcess;
  next: (type: FromChild['type'], ms: number) => Promise<FromChild>;
} {
  const child = fork(import.meta.filename, [CHILD_FLAG], { execArgv: [], serialization: 'advanced', stdio: 'inherit' });
  child.send(config);
  const next = (type: FromChild['type'], ms: number): Promise<FromChild> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`subscriber process: no '${type}' within ${ms} ms`)), ms);
      const onExit = (code: number | null): void =>
        reject(new Error(`subscriber process exited (${code}) before '${type}'`));
      const onMessage = (m: FromChild): void => {
        if (m.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage).off('exit', onExit);
        resolve(m);
      };
      child.on('message', onMessage).once('exit', onExit);
    });
  return { child, next };
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
  const url = `${server.url}?token=${server.token}`;
  const children = Array.from({ length: SUBSCRIBER_PROCESSES }, () =>
    startChild({
      url,
      healthy: (subscribers - stalled) / SUBSCRIBER_PROCESSES,
      stalled: stalled / SUBSCRIBER_PROCESSES,
    }),
  );
  try {
    const t0 = performance.now();
    await Promise.all(children.map((c) => c.next('connected', 60_000)));
    context.log(`${server.subscriberCount} subscribers connected in ${Math.round(performance.now() - t0)} ms`);
    const rssConnected = process.memoryUsage.rss();

    // Measured during publishing only: lag, CPU and memory while the fan-out runs.
    const lag = monitorEventLoopDelay({ resolution: 1 });
    let rssPeak = rssConnected;
    // A timeline as well as the peak: bounded memory shows as a plateau, a leak as a slope.
    const every5s = { rss: [] as number[], heapUsed: [] as number[], arrayBuffers: [] as number[] };
    let ticks = 0;
    const memoryTimer = setInterval(() => {
      const usage = process.memoryUsage();
      rssPeak = Math.max(rssPeak, usage.rss);
      if (++ticks % 50 !== 0) return;
      every5s.rss.push(mb(usage.rss));
      every5s.heapUsed.push(mb(usage.heapUsed));
      every5s.arrayBuffers.push(mb(usage.arrayBuffers));
    }, 100);
    const loadStart = loadavg()[0]!;
    const cpuStart = process.cpuUsage();
    lag.enable();
    const publishedAt: number[] = [];
    const publishCallMs: number[] = [];
    server.publishSession('streaming');
    const start = performance.now() + 100;
    const slot = 1000 / FINALS_PER_SECOND;
    for (let k = 0; k < finals; k++) {
      // Drift-free schedule: each slot publishes a final and the next segment's first partial;
      // mid-slot the second partial (60 messages/s in all).
      await sleepUntil(start + k * slot);
      const t = performance.now();
      publishedAt[k] = now();
      server.publishTranscript({
        segmentId: `s${k}`,
        text: sentence(k),
        isFinal: true,
        startMs: k * slot,
        endMs: (k + 1) * slot,
      });
      server.publishTranscript({ segmentId: `s${k + 1}`, text: sentence(k + 1).slice(0, 40), isFinal: false });
      publishCallMs.push(performance.now() - t);
      await sleepUntil(start + (k + 0.5) * slot);
      server.publishTranscript({ segmentId: `s${k + 1}`, text: sentence(k + 1).slice(0, 90), isFinal: false });
      if (k % (FINALS_PER_SECOND * 10) === 0)
        context.log(`t=${k / FINALS_PER_SECOND} s, ${server.subscriberCount} subscribers`);
    }
    lag.disable();
    const cpu = process.cpuUsage(cpuStart);
    const serverCpuPercent = round(((cpu.user + cpu.system) / 1000 / (performance.now() - start)) * 100, 1);
    const loadEnd = loadavg()[0]!;
    clearInterval(memoryTimer);
    const rssEnd = process.memoryUsage.rss();

    const finish: ToChild = { type: 'finish', publishedAt, timeoutMs: 15_000 };
    for (const c of children) c.child.send(finish);
    const results = (await Promise.all(children.map((c) => c.next('result', 60_000)))) as ChildResult[];

    const latencies = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
    let offset = 0;
    for (const r of results) {
      latencies.set(r.latencies, offset);
      offset += r.latencies.length;
    }
    latencies.sort();
    const at = (q: number): number =>
      round(latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))] ?? NaN);
    const latencyMs = { count: latencies.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
    const completeAndInOrder = results.reduce((n, r) => n + r.completeAndInOrder, 0);
    const healthyClosed = results.reduce((n, r) => n + r.closedHealthy, 0);
    const stalledCloses = closes.filter((c) => c.kind === 'slow');
    const otherCloses = closes.filter((c) => c.kind !== 'slow');
    const lagMs = {
      p50: round(lag.percentile(50) / 1e6),
      p99: round(lag.percentile(99) / 1e6),
      max: round(lag.max / 1e6),
    };
    const closeBound = CAPTIONS_DEFAULTS.stallTimeoutMs + 250; // + one sweep interval
    const plot: PlotRequest = {
      title: `Captions delivery latency, ${subscribers - stalled} healthy subscribers, ${FINALS_PER_SECOND} finals/s`,
      series: [
        {
          name: 'publish → subscriber (ms)',
          values: Array.from({ length: 1000 }, (_, q) => at((q + 1) / 1000)),
          target: { p95: 50 },
        },
      ],
    };
    return {
      config: {
        subscribers,
        stalled,
        finalsPerSecond: FINALS_PER_SECOND,
        messagesPerSecond: FINALS_PER_SECOND * 3,
        durationS,
        finals,
        subscriberProcesses: SUBSCRIBER_PROCESSES,
        limits: CAPTIONS_DEFAULTS,
      },
      pass: {
        everyHealthyGotEveryFinalInOrder: completeAndInOrder === subscribers - stalled && healthyClosed === 0,
        p99LatencyUnder50ms: latencyMs.p99 < 50,
        allStalledClosedWithinBound:
          stalledCloses.length === stalled &&
          stalledCloses.every((c) => c.overBoundMs <= closeBound) &&
          otherCloses.length === 0,
        eventLoopLagP99Under20ms: lagMs.p99 < 20,
      },
      delivery: {
        healthy: subscribers - stalled,
        completeAndInOrder,
        healthyClosed,
        problems: results.flatMap((r) => r.problems).slice(0, 10),
        messagesReceived: results.reduce((n, r) => n + r.messages, 0),
        latencyMs,
      },
      stalled: {
        closed: stalledCloses.length,
        codes: [...new Set(stalledCloses.map((c) => c.code))],
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
      publisher: {
        cpuPercentOfOneCore: serverCpuPercent,
        eventLoopLagMs: lagMs,
        publishCallMs: percentiles(publishCallMs),
      },
      subscriberProcesses: results.map((r) => ({ cpuPercentOfOneCore: r.cpuPercent, rssPeakMb: r.rssPeakMb })),
      machine: { cores: cpus().length, loadAverage1mStart: round(loadStart, 2), loadAverage1mEnd: round(loadEnd, 2) },
      memoryMb: {
        serverRssBaseline: mb(rssBaseline),
        serverRssConnected: mb(rssConnected),
        serverRssPeak: mb(rssPeak),
        serverRssEnd: mb(rssEnd),
        serverEvery5s: every5s,
      },
      [PLOT_KEY]: plot,
    };
  } finally {
    for (const c of children) c.child.kill();
    await server.close();
  }
}

/** The subscriber side, in its own process: healthy clients record every final; stalled ones never read. */
async function runSubscribers(
  config: ChildConfig,
  send: (m: FromChild) => void,
  onFinish: Promise<ToChild>,
): Promise<void> {
  const total = config.healthy + config.stalled;
  const received: number[][] = Array.from({ length: config.healthy }, () => []);
  const receivedAt: number[][] = Array.from({ length: config.healthy }, () => []);
  let messages = 0;
  let closedHealthy = 0;
  const open = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(config.url, { perMessageDeflate: false, skipUTF8Validation: true });
      ws.once('error', reject);
      // A stalled subscriber never reads again: its kernel buffers fill, then the server's bound.
      ws.once('open', () => {
        if (i >= config.healthy) ws.pause();
        resolve();
      });
      if (i >= config.healthy) return;
      ws.on('close', () => closedHealthy++);
      ws.on('message', (data: Buffer) => {
        const at = now();
        messages++;
        // Cheaper than JSON.parse at ~30,000 messages/s: a final is `{"type":"segment","id":"s<k>",…,"final":true,…}`.
        if (!data.includes('"final":true')) return;
        const idStart = data.indexOf('"id":"s') + 7;
        received[i]!.push(Number(data.toString('latin1', idStart, data.indexOf('"', idStart))));
        receivedAt[i]!.push(at);
      });
    });
  for (let i = 0; i < total; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, total - i) }, (_, j) => open(i + j)));
  }
  send({ type: 'connected' });

  let rssPeak = process.memoryUsage.rss();
  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 250);
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const finish = await onFinish;
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  const expected = finish.publishedAt.length;
  const deadline = performance.now() + finish.timeoutMs;
  while (received.some((r) => r.length < expected) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  clearInterval(rssTimer);

  const problems: string[] = [];
  let completeAndInOrder = 0;
  const latencies = new Float64Array(received.reduce((n, r) => n + r.length, 0));
  let n = 0;
  received.forEach((ids, i) => {
    if (ids.length === expected && ids.every((id, k) => id === k)) completeAndInOrder++;
    else
      problems.push(
        `subscriber ${i}: ${ids.length}/${expected} finals, first out of place at ${ids.findIndex((id, k) => id !== k)}`,
      );
    ids.forEach((id, k) => (latencies[n++] = receivedAt[i]![k]! - (finish.publishedAt[id] ?? NaN)));
  });
  send({
    type: 'result',
    completeAndInOrder,
    problems,
    closedHealthy,
    latencies,
    messages,
    rssPeakMb: mb(rssPeak),
    cpuPercent: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 1),
  });
}

if (process.argv.includes(CHILD_FLAG)) {
  const parent = process as ChildProcess & NodeJS.Process;
  const config = await new Promise<ChildConfig>((resolve) => parent.once('message', (m) => resolve(m as ChildConfig)));
  const finish = new Promise<ToChild>((resolve) =>
    parent.on('message', (m) => (m as ToChild).type === 'finish' && resolve(m as ToChild)),
  );
  // Stays alive, sockets open, until the parent has every result and kills it: closing early
  // would show up as subscriber closes, and exiting could cut off a multi-megabyte result.
  await runSubscribers(config, (m) => parent.send(m), finish);
}

const suite: BenchSuite = {
  name: 'captions',
  description:
    '1,000 captions subscribers (50 never read), 20 finals/s: delivery, latency, stalled closes, lag, memory',
  run,
};
export default suite;
