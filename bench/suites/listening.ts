import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeDirect, decodeDirectPaced } from '../../tests/fixtures/engine/run-session.ts';
import { BIN_EARSHOT, STREAMING_TEST_MODEL, VAD_MODEL } from '../../tests/helpers/paths.ts';
import { heldoutClips } from '../../tests/helpers/speech-clips.ts';
import { buildProgram, samplesToMs, writeProgram, type Program } from '../../tests/helpers/utterance-timing.ts';
import { startVirtualMic, virtualMicUnavailableReason } from '../../tests/helpers/virtual-mic.ts';
import { FRAMES_PER_MESSAGE } from '../../src/capture/frame-batcher.ts';
import { minus, total, treeCpuMs, treeWakeups, type TreeCpu } from '../process-tree.ts';
import { round, type BenchContext, type BenchFigures, type BenchSuite } from '../suite.ts';

/**
 * What listening costs, next to its floor, in one run:
 * - floor: sherpa-onnx (the engine's recognizer session, VAD included) decoding the program
 *   directly in this process, CPU per second of audio, as fast as it can (the floor);
 * - paced floor: the same direct decode fed in real time, one capture message's worth of
 *   frames at a time with the thread asleep in between, as any live app must: what waking up
 *   25 times a second costs the recognizer alone on this machine;
 * - listening: `earshot transcribe --device <virtual Mic B>` (streaming test model) while the
 *   same program plays in real time: CPU of all its processes together (main, capture,
 *   engine, helpers) from /proc, start-up excluded, per second of audio; the ratio to the
 *   floor (target ≤ 2.5×) and to the paced floor, and how often each process's threads woke;
 * - silence: the same, for 30 s of a silent microphone after the program;
 * - start-up: CPU-seconds of all processes and wall time from launch to `streaming`, and from
 *   launch to the first partial (less the silence the program starts with), split by process.
 */
const TARGET_RATIO = 2.5;

interface Line {
  readonly type?: string;
  readonly state?: string;
}

/** The least of three direct decodes: a floor is what the recognizer needs, not what a disturbed run took. */
function floor(program: Program): number {
  const audio = { rate: 16_000, pcm: program.samples, spans: [] };
  decodeDirect(STREAMING_TEST_MODEL, { ...audio, pcm: program.samples.subarray(0, 16_000) }); // load outside the timing
  const runs = [0, 1, 2].map(() => {
    const cpu0 = process.cpuUsage();
    decodeDirect(STREAMING_TEST_MODEL, audio);
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / 1000;
  });
  return Math.min(...runs);
}

/** The paced floor: CPU % of one core while the direct decode meets the audio in real time. */
async function pacedFloor(program: Program): Promise<number> {
  const audio = { rate: 16_000, pcm: program.samples, spans: [] };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await decodeDirectPaced(STREAMING_TEST_MODEL, audio, FRAMES_PER_MESSAGE * 20);
  const cpu = process.cpuUsage(cpu0);
  return percent((cpu.user + cpu.system) / 1000, performance.now() - t0);
}

function percent(ms: number, wallMs: number): number {
  return round((100 * ms) / wallMs, 2);
}

function split(cpu: TreeCpu, wallMs: number): Record<string, number> {
  return {
    main: percent(cpu.main, wallMs),
    capture: percent(cpu.capture, wallMs),
    engine: percent(cpu.engine, wallMs),
    helpers: percent(cpu.helpers, wallMs),
  };
}

async function run(context: BenchContext): Promise<BenchFigures> {
  const reason = virtualMicUnavailableReason();
  if (reason) return { skipped: reason };
  const program = await buildProgram(heldoutClips(0, context.quick ? 4 : 12), { leadMs: 2000, gapMs: 2500 });
  const programMs = samplesToMs(program.samples.length);
  const wav = join(context.tmpDir, 'program.wav');
  await writeProgram(wav, program);

  const floorMs = floor(program);
  const floorPercent = percent(floorMs, programMs);
  context.log(`floor: ${floorMs.toFixed(0)} ms CPU for ${(programMs / 1000).toFixed(1)} s of audio`);
  const pacedPercent = await pacedFloor(program);
  context.log(`paced floor: ${pacedPercent}% of one core`);

  const mic = await startVirtualMic();
  const launchedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      BIN_EARSHOT,
      'transcribe',
      '--device',
      mic.deviceKey('b'),
      '--format',
      'jsonl',
      '--model-dir',
      STREAMING_TEST_MODEL,
      '--vad-model',
      VAD_MODEL,
      '--journal-dir',
      join(context.tmpDir, 'journal'),
    ],
    { env: { ...process.env, ...mic.env, ...cpuProfileEnv(context) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let streamingAt = 0;
  let firstPartialAt = 0;
  let partials = 0;
  let finals = 0;
  let startupCpu: TreeCpu | null = null;
  const streaming = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'streaming' within 60 s: ${stderr.join('')}`)), 60_000);
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as Line;
      if (line.type === 'state' && line.state === 'streaming' && streamingAt === 0) {
        streamingAt = performance.now();
        startupCpu = treeCpuMs(child.pid!);
        clearTimeout(timer);
        resolve();
      }
      if (line.type === 'partial' && ++partials === 1) firstPartialAt = performance.now();
      if (line.type === 'final') finals++;
    });
  });
  try {
    await streaming;
    const {
      cpu: listening,
      wakeups,
      wallMs,
    } = await measure(child.pid!, () => mic.play(wav, 'b', { timeoutMs: programMs + 30_000 }));
    const silent = await listenToSilence(child.pid!);
    child.kill('SIGINT');
    if ((await exited) !== 0) throw new Error(`transcribe exited non-zero: ${stderr.join('')}`);
    const start = startupCpu as unknown as TreeCpu;
    const listeningPercent = percent(total(listening), wallMs);
    const leadMs = samplesToMs(program.spans[0]!.onset);
    context.log(`listening ${listeningPercent}% vs floor ${floorPercent}%; ${partials} partials, ${finals} finals`);
    return {
      audioSeconds: round(programMs / 1000, 1),
      floorPercentOfOneCore: floorPercent,
      listeningPercentOfOneCore: listeningPercent,
      ratioToFloor: round(listeningPercent / floorPercent, 1),
      targetRatio: TARGET_RATIO,
      pacedFloorPercentOfOneCore: pacedPercent,
      ratioToPacedFloor: round(listeningPercent / pacedPercent, 1),
      listeningByProcessPercent: split(listening, wallMs),
      wakeupsPerSecondByProcess: perSecond(wakeups, wallMs),
      silence: silent,
      startup: {
        cpuSeconds: round(total(start) / 1000, 2),
        cpuSecondsByProcess: {
          main: round(start.main / 1000, 2),
          capture: round(start.capture / 1000, 2),
          engine: round(start.engine / 1000, 2),
          helpers: round(start.helpers / 1000, 2),
        },
        launchToStreamingMs: Math.round(streamingAt - launchedAt),
        // The program starts with silence before its first word; that wait is not start-up.
        launchToFirstPartialLessLeadMs: firstPartialAt ? Math.round(firstPartialAt - launchedAt - leadMs) : null,
      },
      partials,
      finals,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await mic.stop();
  }
}

/** EARSHOT_BENCH_CPU_PROF=<dir>: every Node process of the run writes a .cpuprofile there. */
function cpuProfileEnv(context: BenchContext): Record<string, string> {
  const dir = process.env['EARSHOT_BENCH_CPU_PROF'];
  if (!dir) return {};
  context.log(`writing CPU profiles to ${dir}`);
  return { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` };
}

/** How long the microphone is left silent after the program (it delivers exact zeros). */
const SILENCE_MS = 30_000;

/**
 * Listening while nobody speaks, the usual state of a microphone in a call: the same
 * processes over SILENCE_MS after the program's last final has had time to arrive.
 */
async function listenToSilence(pid: number): Promise<BenchFigures> {
  await sleep(3000);
  const { cpu, wakeups, wallMs } = await measure(pid, () => sleep(SILENCE_MS));
  return {
    seconds: round(wallMs / 1000, 1),
    percentOfOneCore: percent(total(cpu), wallMs),
    byProcessPercent: split(cpu, wallMs),
    wakeupsPerSecondByProcess: perSecond(wakeups, wallMs),
  };
}

/** CPU (ms) and wake-ups of `pid`'s process tree, by role, while `during` runs, and its wall time. */
async function measure(
  pid: number,
  during: () => Promise<unknown>,
): Promise<{ cpu: TreeCpu; wakeups: TreeCpu; wallMs: number }> {
  const cpu0 = treeCpuMs(pid);
  const wakeups0 = treeWakeups(pid);
  const t0 = performance.now();
  await during();
  const wallMs = performance.now() - t0;
  return { cpu: minus(treeCpuMs(pid), cpu0), wakeups: minus(treeWakeups(pid), wakeups0), wallMs };
}

function perSecond(counts: TreeCpu, wallMs: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([role, n]) => [role, round((n * 1000) / wallMs, 1)]));
}

const suite: BenchSuite = {
  name: 'listening',
  description:
    'earshot transcribe on the virtual mic: CPU of all processes while listening vs sherpa-onnx decoding the same audio, start-up cost',
  run,
};

export default suite;
