import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CapturePipeline } from '../../src/capture/dsp/capture-pipeline.ts';
import { Framer } from '../../src/capture/dsp/framer.ts';
import { createResampler } from '../../src/platform/audio/resampler.ts';
import type { CaptureHost, FrameTimingSample, HelperExit } from '../../src/core/capture-host/capture-host.ts';
import { createNodeCaptureHost } from '../../src/core/capture-host/node-capture-host.ts';
import { LIBRIVOX_DIR } from '../../tests/helpers/paths.ts';
import { startVirtualMic, virtualMicUnavailableReason } from '../../tests/helpers/virtual-mic.ts';
import {
  percentiles,
  PLOT_KEY,
  round,
  type BenchContext,
  type BenchFigures,
  type BenchSuite,
  type PlotRequest,
} from '../suite.ts';

/**
 * The capture path's cost and delay.
 *
 * 1. Throughput of the resampler and 20 ms framer alone (48 kHz → 16 kHz), and of the whole
 *    per-chunk pipeline (downmix, level meter, health
 *    watchdog, Speex resampler, 20 ms framer, timestamps) fed 10 ms device chunks as fast as
 *    one core runs them, in ×real time (audio seconds per CPU second). Target ≥ 200×.
 * 2. The capture process on the real virtual microphone (PulseAudio → ALSA → PortAudio), at
 *    48 kHz resampled to 16 kHz while speech plays: its CPU time per second of audio, read from
 *    /proc/<pid>/stat. Its helper processes (device probes, the presence watcher), which the
 *    host starts on its behalf, are counted apart: live ones from /proc, finished ones by the
 *    CPU time they report with their last message. Then the cost of one probe, forced by
 *    refreshing the device list while the stream runs.
 * 3. Latency from the PortAudio data reaching JavaScript in the capture process ("callback")
 *    to the frame arriving in the parent, p50/p99 (target p99 < 5 ms), and from the frame's
 *    first sample to arrival (which includes the frame's own 20 ms and the device's chunking).
 */

const CONFIGS = [
  { name: '48k-mono-to-16k', deviceRate: 48000, channels: 1, sessionRate: 16000 },
  { name: '48k-stereo-to-16k', deviceRate: 48000, channels: 2, sessionRate: 16000 },
  { name: '44k1-mono-to-16k', deviceRate: 44100, channels: 1, sessionRate: 16000 },
  { name: '48k-mono-to-24k', deviceRate: 48000, channels: 1, sessionRate: 24000 },
  { name: '16k-mono-passthrough', deviceRate: 16000, channels: 1, sessionRate: 16000 },
] as const;

/** Resampler + framer alone (the figure the ≥200× target names), 48 kHz → 16 kHz. */
async function resampleAndFrame(seconds: number): Promise<Record<string, number>> {
  const resampler = await createResampler(48000, 16000);
  let frames = 0;
  const framer = new Framer(320, () => void frames++);
  const chunk = new Float32Array(480).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 48000));
  for (let n = 0; n < 300; n++) framer.push(resampler.process(chunk)); // JIT warm-up
  frames = 0;
  const cpu0 = process.cpuUsage();
  for (let n = 0; n < seconds * 100; n++) framer.push(resampler.process(chunk));
  const cpu = process.cpuUsage(cpu0);
  resampler.dispose();
  return { audioSeconds: seconds, frames, xRealtimeCpu: Math.round((seconds * 1e6) / (cpu.user + cpu.system)) };
}

async function throughput(seconds: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  // Warm the JIT on one config first, so the first figure is not a cold-start figure.
  await runPipeline(CONFIGS[0], 5);
  for (const config of CONFIGS) out[config.name] = await runPipeline(config, seconds);
  return out;
}

async function runPipeline(config: (typeof CONFIGS)[number], seconds: number): Promise<Record<string, number>> {
  let frames = 0;
  const pipeline = await CapturePipeline.create(
    { ...config, deviceName: 'bench' },
    { frame: () => void frames++, level: () => {}, health: () => {} },
    { nowMs: 0 },
  );
  const chunkFrames = Math.round(config.deviceRate / 100);
  // Speech-like content (two tones and noise), so nothing is trivially zero.
  const chunks = Array.from({ length: 10 }, (_, k) => {
    const chunk = new Int16Array(chunkFrames * config.channels);
    for (let i = 0; i < chunk.length; i++) {
      const t = (k * chunkFrames + Math.floor(i / config.channels)) / config.deviceRate;
      chunk[i] = Math.round(
        6000 * Math.sin(2 * Math.PI * 220 * t) + 3000 * Math.sin(2 * Math.PI * 3100 * t) + 500 * (Math.random() - 0.5),
      );
    }
    return chunk;
  });
  const total = seconds * 100;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let n = 0; n < total; n++) pipeline.push(chunks[n % chunks.length]!, n * 10);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  pipeline.close();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    audioSeconds: seconds,
    frames,
    xRealtimeCpu: Math.round((seconds * 1000) / cpuMs),
    xRealtimeWall: Math.round((seconds * 1000) / wallMs),
  };
}

/** CPU time (user + system) of a live process in ms, from /proc (Linux); 0 once it is gone. */
async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return 0;
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map((f) => Number(f) * 10); // USER_HZ is 100 on Linux
  return fields[11]! + fields[12]!;
}

/**
 * CPU of a host's helper processes over a stretch of time: those running at the end from /proc
 * (less what they had used at the start), those that finished by what they reported.
 */
async function helperCpuMeter(host: CaptureHost): Promise<{ stop: () => Promise<number> }> {
  const atStart = new Map<number, number>();
  for (const pid of host.helperPids) atStart.set(pid, await processCpuMs(pid));
  let finished = 0;
  const onExit = (exit: HelperExit): void => {
    // A helper stopped before its last word (a watcher) reported nothing: not counted.
    if (exit.cpuMs !== null) finished += exit.cpuMs - (exit.pid === undefined ? 0 : (atStart.get(exit.pid) ?? 0));
  };
  host.on('helperExited', onExit);
  return {
    stop: async () => {
      host.off('helperExited', onExit);
      let live = 0;
      for (const pid of host.helperPids) live += (await processCpuMs(pid)) - (atStart.get(pid) ?? 0);
      return finished + live;
    },
  };
}

/**
 * One probe's CPU (as it reports it) and the wall time of the refresh it serves, `count` times.
 * On the sound-server route (Linux with PulseAudio/PipeWire) a refresh is a `pactl` listing in
 * the capture process and starts no probe: only its wall time is measured.
 */
async function probeCost(host: CaptureHost, count: number, probes: boolean): Promise<Record<string, unknown>> {
  const cpu: number[] = [];
  const wall: number[] = [];
  if (!probes) {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await host.refreshDevices();
      wall.push(performance.now() - t0);
    }
    return { cpuMs: null, refreshWallMs: percentiles(wall, [50, 95]) };
  }
  for (let i = 0; i < count; i++) {
    const ended = new Promise<HelperExit>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no probe ended within 15 s')), 15_000);
      const onExit = (exit: HelperExit): void => {
        if (exit.mode !== 'probe') return;
        clearTimeout(timer);
        host.off('helperExited', onExit);
        resolve(exit);
      };
      host.on('helperExited', onExit);
    });
    const t0 = performance.now();
    await host.refreshDevices();
    wall.push(performance.now() - t0);
    const exit = await ended;
    if (exit.cpuMs !== null) cpu.push(exit.cpuMs);
  }
  return { cpuMs: percentiles(cpu, [50, 95]), refreshWallMs: percentiles(wall, [50, 95]) };
}

async function liveCapture(context: BenchContext, seconds: number): Promise<BenchFigures> {
  const mic = await startVirtualMic();
  const host = createNodeCaptureHost(mic.env);
  const timings: FrameTimingSample[] = [];
  try {
    await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000, captureRate: 48000 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame from the virtual mic within 10 s')), 10_000);
      host.once('frame', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const pid = host.pid!;
    const onTiming = (t: FrameTimingSample): void => void timings.push(t);
    host.on('frameTiming', onTiming);
    const speech = join(LIBRIVOX_DIR, 'sense_and_sensibility_01_austen_64kb-0870.wav');
    const cpuBefore = await processCpuMs(pid);
    const helpers = await helperCpuMeter(host);
    const wall0 = performance.now();
    // Play speech back to back for about `seconds` (each clip is 7.1 s).
    for (let played = 0; played < seconds; played += 7.1) await mic.play(speech, 'b');
    const wallS = (performance.now() - wall0) / 1000;
    const cpuMs = (await processCpuMs(pid)) - cpuBefore;
    const helperCpuMs = await helpers.stop();
    host.off('frameTiming', onTiming);
    const viaSoundServer = process.platform === 'linux' && process.env['EARSHOT_AUDIO_BACKEND'] !== 'portaudio';
    const probe = await probeCost(host, context.quick ? 3 : 10, !viaSoundServer);
    await host.stop();
    context.log(`captured ${timings.length} frames over ${wallS.toFixed(1)} s`);
    const callbackToParent = timings.map((t) => t.receivedMs - t.callbackMs);
    const beyondFrame = timings.map((t) => t.receivedMs - t.captureTimeMs - 20);
    const plot: PlotRequest = {
      title: 'Capture: PortAudio data in the capture process → frame in the parent (ms)',
      series: [
        { name: 'callback → parent', values: callbackToParent, target: { p50: 5 } },
        { name: 'first sample → parent, minus 20 ms', values: beyondFrame },
      ],
    };
    return {
      audioSeconds: round(wallS, 1),
      framesPerSecond: round(timings.length / wallS, 1),
      captureProcessCpuMsPerAudioSecond: round(cpuMs / wallS, 1),
      captureProcessCpuPercentOfOneCore: round(cpuMs / wallS / 10, 2),
      // Device probes and, as Mic B is a PulseAudio-backed ALSA device, its presence watcher.
      helperProcessesCpuMsPerAudioSecond: round(helperCpuMs / wallS, 1),
      // A device probe forced by a refresh while the stream runs: its own CPU and the refresh's wall time.
      probe,
      callbackToParentMs: percentiles(callbackToParent, [50, 95, 99]),
      firstSampleToParentBeyond20msMs: percentiles(beyondFrame, [50, 95, 99]),
      targetCallbackToParentP99Ms: 5,
      [PLOT_KEY]: plot,
    };
  } finally {
    await host.dispose();
    await mic.stop();
  }
}

const suite: BenchSuite = {
  name: 'capture',
  description: 'capture path: resample+frame throughput, capture-process CPU, callback→parent latency',
  async run(context) {
    const figures: BenchFigures = {};
    figures['resampleAndFrame48kTo16k'] = await resampleAndFrame(context.quick ? 10 : 120);
    figures['signalPathThroughput'] = await throughput(context.quick ? 10 : 60);
    figures['targetXRealtime'] = 200;
    const unavailable = virtualMicUnavailableReason();
    if (unavailable) {
      figures['liveCapture'] = { skipped: unavailable };
      return figures;
    }
    const live = await liveCapture(context, context.quick ? 7 : 28);
    const { [PLOT_KEY]: plot, ...rest } = live;
    figures['liveCapture'] = rest;
    figures[PLOT_KEY] = plot;
    return figures;
  },
};

export default suite;
