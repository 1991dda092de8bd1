import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './wait.ts';

/**
 * A private PulseAudio with two virtual microphones, for tests that need real audio to come
 * out of a real capture device (docs: testing.md, "A virtual microphone"). Devices exist only
 * as the sound server's sources and sinks, as on a real Linux desktop: no ALSA entries.
 *
 * ```ts
 * let mic: VirtualMic;
 * beforeAll(async () => { mic = await startVirtualMic(); });
 * afterAll(async () => { await mic?.stop(); });
 *
 * const host = new CaptureHost({ spawn: spawnNodeChild, modulePath: CAPTURE_ENTRY, env: mic.env });
 * await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000 });
 * await mic.play('/path/speech.wav', 'b');   // resolves when playback finished (real time)
 * await mic.unplug('b');                      // the source disappears, like a USB mic pulled
 * await mic.replug('b');
 * ```
 *
 * - Each instance runs its own `pulseaudio` (no daemon mode: it is our child, stopped by pid)
 *   with a private runtime directory and socket, so parallel test files never share devices.
 * - Mic A and Mic B are `module-remap-source`s over the monitors of two null sinks
 *   (SpeakerA, SpeakerB), described "Mic A" / "Mic B" like a desktop's sources. Audio played
 *   to SpeakerB is heard on Mic B only, paced in real time. Mic A is the default source.
 * - Earshot lists them through the sound server (`PulseAudio:virtmic_b`, named "Mic B"); each
 *   speaker's monitor is listed too, as system audio. More devices: pulse-devices.ts.
 * - `env` is what a process needs to reach this server: PULSE_SERVER, and a temporary HOME
 *   holding PulseAudio's cookie. Pass it to CaptureHost (`env`), to `bin/earshot` (spawn env)
 *   or to any child process.
 * - A silent mic delivers exact zeros (digital silence): nothing plays unless `play` is called.
 * - The first ~1–1.5 s after a stream opens may deliver nothing while PulseAudio starts it.
 * - Every wait is bounded; errors say what was waited for.
 */
export type MicId = 'a' | 'b';

export interface VirtualMic {
  /** Environment for processes that should capture from this PulseAudio. */
  readonly env: Readonly<Record<string, string>>;
  /** The temporary HOME (holds PulseAudio's cookie). */
  readonly home: string;
  /** PulseAudio's socket path (PULSE_SERVER is `unix:` + this). */
  readonly socket: string;
  /** The pulseaudio process id. */
  readonly pid: number;
  /** The name a person sees for a mic: its source's description, "Mic A" / "Mic B". */
  deviceName(mic: MicId): string;
  /** Earshot's device key of a mic as CaptureHost lists it (`PulseAudio:virtmic_b`). */
  deviceKey(mic: MicId): string;
  /** Plays a WAV file into the mic's speaker; resolves when playback has finished. */
  play(wavPath: string, mic: MicId, options?: { timeoutMs?: number }): Promise<void>;
  /** Unloads the mic's source module: an open stream on it loses its device. */
  unplug(mic: MicId): Promise<void>;
  /** Loads the mic's source again after `unplug`. */
  replug(mic: MicId): Promise<void>;
  /** Runs `pactl` against this server; returns stdout. */
  pactl(...args: string[]): Promise<string>;
  /** Kills pulseaudio (by pid) and removes the temporary directories. Safe to call twice. */
  stop(): Promise<void>;
}

const MICS: Record<MicId, { sink: string; source: string; description: string; speaker: string }> = {
  a: { sink: 'virtspk_a', source: 'virtmic_a', description: 'Mic A', speaker: 'SpeakerA' },
  b: { sink: 'virtspk_b', source: 'virtmic_b', description: 'Mic B', speaker: 'SpeakerB' },
};

/** Why the virtual microphone cannot run here, or null when it can (for skip-by-name titles). */
export function virtualMicUnavailableReason(): string | null {
  for (const tool of ['pulseaudio', 'pactl', 'paplay', 'parec']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} is not installed (apt-get install pulseaudio pulseaudio-utils)`;
  }
  return null;
}

function remapArgs(mic: MicId): string[] {
  const m = MICS[mic];
  return [
    'module-remap-source',
    `source_name=${m.source}`,
    `master=${m.sink}.monitor`,
    described('source', m.description),
  ];
}

export async function startVirtualMic(options: { readyTimeoutMs?: number } = {}): Promise<VirtualMic> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const root = await mkdtemp(join(tmpdir(), 'earshot-vmic-'));
  const home = join(root, 'home');
  const runtime = join(root, 'run');
  await mkdir(join(home, '.config'), { recursive: true });
  await mkdir(runtime, { mode: 0o700 });
  const socket = join(runtime, 'native');
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    PULSE_SERVER: `unix:${socket}`,
    PULSE_RUNTIME_PATH: runtime,
    // No JACK server here; do not let PortAudio's JACK host API try to start one (fallback path).
    JACK_NO_START_SERVER: '1',
  };
  const childEnv = { ...process.env, ...env };

  const loads = [
    `module-native-protocol-unix socket=${socket}`,
    `module-null-sink sink_name=${MICS.a.sink} ${described('sink', MICS.a.speaker)}`,
    remapArgs('a').join(' '),
    `module-null-sink sink_name=${MICS.b.sink} ${described('sink', MICS.b.speaker)}`,
    remapArgs('b').join(' '),
  ];
  const daemon = spawn(
    'pulseaudio',
    [
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--disallow-exit',
      '-n',
      '--use-pid-file=no',
      '--log-target=stderr',
      // Test speech is 16 kHz and PulseAudio converts it for its 44.1 kHz sinks. Its default
      // resampler (speex-float-1) cost the test model 3–6 WER points through the virtual mic;
      // speex-float-10 does not. (soxr would too, but it dithers: a silent mic must give exact zeros.)
      '--resample-method=speex-float-10',
      ...loads.map((l) => `--load=${l}`),
    ],
    { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let daemonLog = '';
  daemon.stderr?.setEncoding('utf8');
  daemon.stderr?.on('data', (t: string) => (daemonLog = (daemonLog + t).slice(-4000)));
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));

  const run = (command: string, args: string[], timeoutMs: number): Promise<string> =>
    runBounded(command, args, childEnv, timeoutMs);
  const pactl = (...args: string[]): Promise<string> => run('pactl', args, 10_000);

  const cleanup = async (): Promise<void> => {
    if (daemon.exitCode === null && daemon.signalCode === null) {
      daemon.kill('SIGTERM');
      const killTimer = setTimeout(() => daemon.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killTimer);
    }
    await rm(root, { recursive: true, force: true });
  };

  // Wait (bounded) for the server to answer and list both mics.
  let lastError = 'no answer yet';
  const micsListed = async (): Promise<boolean> => {
    if (daemon.exitCode !== null) throw new Error(`pulseaudio exited with ${daemon.exitCode}`);
    try {
      const sources = await pactl('list', 'short', 'sources');
      if (sources.includes(MICS.a.source) && sources.includes(MICS.b.source)) return true;
      lastError = `sources so far: ${sources.trim() || 'none'}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    return false;
  };
  try {
    await waitUntil(micsListed, { what: 'both virtual mics', timeoutMs: readyTimeoutMs, intervalMs: 50 });
  } catch (error) {
    await cleanup();
    throw new Error(
      `The virtual microphone's PulseAudio did not become ready within ${readyTimeoutMs} ms (${lastError}). Its log:\n${daemonLog}`,
      { cause: error },
    );
  }

  const moduleIndex = new Map<MicId, string>();
  const findModule = async (mic: MicId): Promise<string | null> => {
    const modules = await pactl('list', 'short', 'modules');
    const line = modules
      .split('\n')
      .find((l) => l.includes('module-remap-source') && l.includes(`source_name=${MICS[mic].source}`));
    return line?.split('\t')[0] ?? null;
  };
  for (const mic of ['a', 'b'] as const) {
    const index = await findModule(mic);
    if (index) moduleIndex.set(mic, index);
  }
  // As a desktop would have it: the first microphone is the default, not a speaker's monitor.
  await pactl('set-default-source', MICS.a.source);
  await pactl('set-default-sink', MICS.a.sink);

  let stopped = false;
  return {
    env,
    home,
    socket,
    pid: daemon.pid!,
    deviceName: (mic) => MICS[mic].description,
    deviceKey: (mic) => `PulseAudio:${MICS[mic].source}`,
    play: async (wavPath, mic, playOptions = {}) => {
      await run('paplay', [`--device=${MICS[mic].sink}`, wavPath], playOptions.timeoutMs ?? 60_000);
    },
    unplug: async (mic) => {
      const index = moduleIndex.get(mic) ?? (await findModule(mic));
      if (!index) throw new Error(`Mic ${mic.toUpperCase()} is not plugged in.`);
      await pactl('unload-module', index);
      moduleIndex.delete(mic);
    },
    replug: async (mic) => {
      if (moduleIndex.has(mic)) throw new Error(`Mic ${mic.toUpperCase()} is already plugged in.`);
      const index = (await pactl('load-module', ...remapArgs(mic))).trim();
      moduleIndex.set(mic, index);
    },
    pactl,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await cleanup();
    },
  };
}

/**
 * A module argument setting a device's human name, quoted as PulseAudio's module-argument
 * parser wants it (pulsecore/modargs.c: single quotes around a value with spaces, the proplist
 * inside in double quotes).
 */
export function described(kind: 'sink' | 'source', description: string): string {
  return `${kind}_properties='device.description="${description}"'`;
}

/** Runs a command to completion within `timeoutMs` (then kills it); rejects with its stderr on failure. */
export function runBounded(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr?.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
