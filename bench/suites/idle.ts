import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromiumUnavailableReason, ensureRendererBuilt, launchChromium } from '../../tests/helpers/browser.ts';
import { BIN_EARSHOT, STREAMING_TEST_MODEL, VAD_MODEL } from '../../tests/helpers/paths.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../../tests/helpers/virtual-mic.ts';
import { connectBridge } from '../bridge-client.ts';
import { minus, total, treeCpuMs } from '../process-tree.ts';
import { SpawnWatch } from '../spawn-watch.ts';
import { round, type BenchContext, type BenchFigures, type BenchSuite } from '../suite.ts';

/**
 * What Earshot costs while it is up and not listening: `earshot ui` (the app core the desktop
 * app runs, behind its web bridge) with the virtual mic's PulseAudio as the sound system.
 *
 * - no page open, 60 s: CPU of all its processes (target ≤ 0.2% of one core) and every process
 *   started in the window (target 0: nothing periodic);
 * - the page open in headless Chromium, 60 s: the same (Earshot's processes only; the browser
 *   stands in for the window, whose own cost is the renderer's);
 * - hot-plug: a PulseAudio source created with pactl; time until the core pushes a
 *   `devicesChanged` that lists it (target ≤ 2 s where the OS notifies).
 *
 * EARSHOT_BENCH_QUICK=1: 15 s windows. EARSHOT_BENCH_CPU_PROF=<dir>: .cpuprofile of every
 * Earshot process, to see where idle time goes.
 */
const TARGET_PERCENT = 0.2;
const TARGET_HOTPLUG_MS = 2000;
const HOTPLUG_TIMEOUT_MS = 20_000;

interface Ui {
  readonly child: ChildProcess;
  readonly pageUrl: string;
}

async function startUi(context: BenchContext, mic: VirtualMic, rendererDir: string): Promise<Ui> {
  const child = spawn(
    process.execPath,
    [
      BIN_EARSHOT,
      'ui',
      '--json',
      '--data-dir',
      join(context.tmpDir, 'data'),
      '--model-dir',
      STREAMING_TEST_MODEL,
      '--vad-model',
      VAD_MODEL,
      '--renderer-dir',
      rendererDir,
    ],
    { env: { ...process.env, ...mic.env, ...cpuProfileEnv(context) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => stderr.push(text));
  const pageUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`earshot ui did not listen within 60 s: ${stderr.join('')}`)),
      60_000,
    );
    child.once('exit', (code) => reject(new Error(`earshot ui exited (${code}): ${stderr.join('')}`)));
    createInterface({ input: child.stdout }).once('line', (text) => {
      clearTimeout(timer);
      resolve((JSON.parse(text) as { url: string }).url);
    });
  });
  return { child, pageUrl };
}

/** CPU of the tree and processes started in it over `ms`. */
async function idleWindow(pid: number, ms: number): Promise<BenchFigures> {
  const watch = new SpawnWatch(pid);
  const cpu0 = treeCpuMs(pid);
  const t0 = performance.now();
  await sleep(ms);
  const cpu = minus(treeCpuMs(pid), cpu0);
  const wallMs = performance.now() - t0;
  const spawned = watch.stop();
  const percent = (cpuMs: number): number => round((100 * cpuMs) / wallMs, 3);
  return {
    seconds: round(wallMs / 1000, 1),
    cpuPercentOfOneCore: percent(total(cpu)),
    targetPercent: TARGET_PERCENT,
    cpuPercentByProcess: {
      main: percent(cpu.main),
      capture: percent(cpu.capture),
      engine: percent(cpu.engine),
      helpers: percent(cpu.helpers),
    },
    processesSpawned: spawned.length,
    targetProcessesSpawned: 0,
    spawned: spawned.slice(0, 8),
  };
}

interface Device {
  readonly key: string;
  readonly name: string;
}

/** Creates a PulseAudio source (a null sink's monitor remapped, like a USB mic) and times its arrival. */
async function hotplug(mic: VirtualMic, pageUrl: string): Promise<BenchFigures> {
  const bridge = await connectBridge(pageUrl);
  try {
    const listed = (payload: unknown): boolean =>
      (payload as Device[]).some((d) => /hotplug/i.test(d.key) || /hotplug/i.test(d.name));
    const arrived = bridge.next('devicesChanged', listed, HOTPLUG_TIMEOUT_MS);
    const t0 = performance.now();
    await mic.pactl(
      'load-module',
      'module-null-sink',
      'sink_name=earshot_hotplug',
      'sink_properties=device.description=HotplugSpeaker',
    );
    await mic.pactl(
      'load-module',
      'module-remap-source',
      'source_name=earshot_hotplug_mic',
      'master=earshot_hotplug.monitor',
      'source_properties=device.description=HotplugMic',
    );
    try {
      await arrived;
      return { detectedMs: Math.round(performance.now() - t0), targetMs: TARGET_HOTPLUG_MS };
    } catch (error) {
      return {
        detectedMs: null,
        targetMs: TARGET_HOTPLUG_MS,
        note: `${(error as Error).message}: the new PulseAudio source never reached the device list`,
      };
    }
  } finally {
    bridge.close();
  }
}

async function run(context: BenchContext): Promise<BenchFigures> {
  const reason = virtualMicUnavailableReason() ?? chromiumUnavailableReason();
  if (reason) return { skipped: reason };
  const windowMs = context.quick ? 15_000 : 60_000;
  const settleMs = context.quick ? 5_000 : 10_000;
  const rendererDir = await ensureRendererBuilt();
  const mic = await startVirtualMic();
  let ui: Ui | null = null;
  try {
    ui = await startUi(context, mic, rendererDir);
    const pid = ui.child.pid!;
    // Start-up is over once the core has listed devices and the engine is ready: let it finish.
    await sleep(settleMs);
    context.log(`no page open, ${windowMs / 1000} s`);
    const noPage = await idleWindow(pid, windowMs);
    const browser = await launchChromium();
    let pageOpen: BenchFigures;
    try {
      const page = await browser.newPage();
      await page.goto(ui.pageUrl);
      await sleep(settleMs);
      context.log(`page open, ${windowMs / 1000} s`);
      pageOpen = await idleWindow(pid, windowMs);
    } finally {
      await browser.close();
    }
    context.log('hot-plug');
    const hotplugged = await hotplug(mic, ui.pageUrl);
    context.log(
      `idle ${String(noPage['cpuPercentOfOneCore'])}% (no page), ${String(pageOpen['cpuPercentOfOneCore'])}% (page open)`,
    );
    return { noPageOpen: noPage, pageOpen, hotplug: hotplugged };
  } finally {
    if (ui) await stopUi(ui.child);
    await mic.stop();
  }
}

async function stopUi(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** EARSHOT_BENCH_CPU_PROF=<dir>: every Node process of the run writes a .cpuprofile there. */
function cpuProfileEnv(context: BenchContext): Record<string, string> {
  const dir = process.env['EARSHOT_BENCH_CPU_PROF'];
  if (!dir) return {};
  context.log(`writing CPU profiles to ${dir}`);
  return { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` };
}

const suite: BenchSuite = {
  name: 'idle',
  description:
    'earshot ui up, not listening: CPU of all processes and processes spawned over 60 s (no page, page open), hot-plug of a PulseAudio source',
  run,
};

export default suite;
