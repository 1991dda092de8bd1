import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { startVirtualMic, virtualMicUnavailableReason } from '../../tests/helpers/virtual-mic.ts';
import { writeLongProgram } from '../long-program.ts';
import type { ProcessRss } from '../rss-sampler.ts';
import { round, type BenchContext, type BenchFigures, type BenchSuite } from '../suite.ts';
import { checkCompleteness } from '../transcript-completeness.ts';
import { startTranscribe, type TranscribeRun } from '../transcribe-run.ts';

/**
 * Hours without growth: resident memory of every Earshot process over a long session, and a
 * journal and History that hold every final.
 *
 * - full speed: a 3-hour WAV (the 40 held-out test utterances with pauses, over and over; built
 *   in the scratch folder, never kept) through `earshot transcribe --input … --fast`: the real
 *   engine (streaming test model), the session and the journal in a data folder; History is
 *   then synced from it the way the app does at start. RSS of main, capture and engine every
 *   2 s; growth = end − after warm-up (10 min of audio), target ≤ 20 MB per process.
 * - real time: the same program played into the virtual mic for EARSHOT_BENCH_HOURS_REALTIME_MIN
 *   minutes (default 30; 0 skips it) through `earshot transcribe --device`, RSS every 5 s.
 *
 * EARSHOT_BENCH_RSS_SERIES=<dir>: every RSS sample of every process written there as JSON.
 * EARSHOT_BENCH_QUICK=1: 15 minutes at full speed and 2 minutes in real time, to check the suite.
 */
const TARGET_GROWTH_MB = 20;

async function run(context: BenchContext): Promise<BenchFigures> {
  const fullSpeedMin = context.quick ? 15 : 180;
  const realtimeMin = realtimeMinutes(context.quick);
  const fullSpeed = await fullSpeedRun(context, fullSpeedMin);
  const realtime =
    realtimeMin > 0 ? await realtimeRun(context, realtimeMin) : { skipped: 'EARSHOT_BENCH_HOURS_REALTIME_MIN=0' };
  return {
    targetGrowthMbPerProcess: TARGET_GROWTH_MB,
    fullSpeed,
    realtime,
    realtimeMinutesOption: `EARSHOT_BENCH_HOURS_REALTIME_MIN=${realtimeMin} (default 30${context.quick ? '; 2 in quick mode' : ''})`,
  };
}

function realtimeMinutes(quick: boolean): number {
  const text = process.env['EARSHOT_BENCH_HOURS_REALTIME_MIN'];
  if (text === undefined || text === '') return quick ? 2 : 30;
  const minutes = Number(text);
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new Error(`EARSHOT_BENCH_HOURS_REALTIME_MIN must be a number of minutes ≥ 0, not "${text}"`);
  return minutes;
}

async function fullSpeedRun(context: BenchContext, minutes: number): Promise<BenchFigures> {
  const wav = join(context.tmpDir, 'hours.wav');
  const audio = await writeLongProgram(wav, minutes);
  context.log(`full speed: ${(audio.seconds / 3600).toFixed(2)} h of audio, ${audio.utterances} utterances`);
  const dataDir = join(context.tmpDir, 'full-speed');
  const t0 = performance.now();
  const transcribe = startTranscribe({
    input: ['--input', wav, '--fast'],
    dataDir,
    sampleEveryMs: context.quick ? 500 : 2000,
    warmupAudioMs: (context.quick ? 2 : 10) * 60_000,
  });
  try {
    await transcribe.streaming;
    const code = await transcribe.exited;
    if (code !== 0) throw new Error(`transcribe exited with ${code}: ${transcribe.stderr()}`);
    return await figures(context, transcribe, dataDir, {
      audioSeconds: audio.seconds,
      utterances: audio.utterances,
      wallSeconds: round((performance.now() - t0) / 1000, 1),
    });
  } finally {
    transcribe.kill();
  }
}

async function realtimeRun(context: BenchContext, minutes: number): Promise<BenchFigures> {
  const reason = virtualMicUnavailableReason();
  if (reason) return { skipped: reason };
  const wav = join(context.tmpDir, 'realtime.wav');
  const audio = await writeLongProgram(wav, minutes);
  context.log(`real time: ${(audio.seconds / 60).toFixed(1)} min on the virtual mic`);
  const dataDir = join(context.tmpDir, 'realtime');
  const mic = await startVirtualMic();
  const transcribe = startTranscribe({
    input: ['--device', mic.deviceKey('b')],
    dataDir,
    env: mic.env,
    sampleEveryMs: 5000,
    warmupAudioMs: (context.quick ? 0.5 : 3) * 60_000,
  });
  try {
    await transcribe.streaming;
    const t0 = performance.now();
    await mic.play(wav, 'b', { timeoutMs: audio.seconds * 1000 + 60_000 });
    transcribe.sampler.sample(); // the last sample before the drain starts
    transcribe.interrupt();
    const code = await transcribe.exited;
    if (code !== 0) throw new Error(`transcribe exited with ${code}: ${transcribe.stderr()}`);
    return await figures(context, transcribe, dataDir, {
      audioSeconds: audio.seconds,
      utterances: audio.utterances,
      wallSeconds: round((performance.now() - t0) / 1000, 1),
    });
  } finally {
    transcribe.kill();
    await mic.stop();
  }
}

async function figures(
  context: BenchContext,
  transcribe: TranscribeRun,
  dataDir: string,
  run: { audioSeconds: number; utterances: number; wallSeconds: number },
): Promise<BenchFigures> {
  const rss = transcribe.sampler.summary();
  const seriesDir = process.env['EARSHOT_BENCH_RSS_SERIES'];
  if (seriesDir) {
    const file = join(seriesDir, `hours-${basename(dataDir)}-rss.json`);
    await writeFile(file, JSON.stringify(transcribe.sampler.series()));
    context.log(`RSS samples written to ${file}`);
  }
  const completeness = await checkCompleteness(dataDir, transcribe.finals);
  const worst = rss.processes.reduce<ProcessRss | null>((w, p) => (w && w.growthMb >= p.growthMb ? w : p), null);
  context.log(
    `${run.audioSeconds} s of audio in ${run.wallSeconds} s; ${completeness.printedFinals} finals; worst growth ${worst?.role ?? '-'} ${worst?.growthMb ?? 0} MB`,
  );
  return {
    ...run,
    rssMbByProcess: Object.fromEntries(rss.processes.map((p) => [`${p.role} (pid ${p.pid})`, p])),
    maxGrowthMb: worst?.growthMb ?? null,
    withinTarget: rss.processes.every((p) => p.growthMb <= TARGET_GROWTH_MB),
    warmupAtS: rss.warmupAtS,
    shortLivedHelpers: rss.shortLivedHelpers,
    journalAndHistory: completeness,
  };
}

const suite: BenchSuite = {
  name: 'hours',
  description:
    'a 3-hour session at full speed and a real-time run on the virtual mic: RSS of every process after warm-up and at the end, journal and History complete',
  run,
};

export default suite;
