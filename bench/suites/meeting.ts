import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../../src/core/sources/wav.ts';
import type { SpeakerSource } from '../../src/shared/transcript.ts';
import { startCli } from '../../tests/helpers/cli-process.ts';
import { buildConversation, type Conversation, type Turn } from '../../tests/helpers/conversation.ts';
import { STREAMING_TEST_MODEL, VAD_MODEL } from '../../tests/helpers/paths.ts';
import { heldoutClips } from '../../tests/helpers/speech-clips.ts';
import { PROGRAM_RATE } from '../../tests/helpers/utterance-timing.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../../tests/helpers/virtual-mic.ts';
import { minus, total, treeCpuMs } from '../process-tree.ts';
import { tapSource } from '../source-tap.ts';
import { percentiles, round, type BenchContext, type BenchFigures, type BenchSuite } from '../suite.ts';
import { sourceLatencies, turnTimes, type SourceLatencies, type TurnTimes } from '../turn-latency.ts';

/**
 * Meeting mode's cost next to one source, in one run (issue 13 "Must show", issue 15: two
 * sources ≤ 2× one source). A scripted call (tests/helpers/conversation.ts: alternating turns
 * of held-out espeak speech; the other side also leaking into the mic at −14 dB) plays in real
 * time into a microphone (Mic A) and a speaker sink (Speaker B), twice:
 * - one source: `bin/earshot transcribe --device <Mic A>` (the call still plays into the
 *   speakers, unheard by Earshot, as it would be);
 * - two sources: `bin/earshot transcribe --device <Mic A> --system <Speaker B's monitor>`.
 * Both with the embedded engine and the streaming test model. For each run: speech end →
 * final and onset → first partial per source, p50/p95, each turn placed on the wall clock by
 * finding the played audio in a tap of the same source (source-tap.ts); CPU of all Earshot's
 * processes (main, captures, engine, their parec children) from /proc while the call plays,
 * start-up excluded (as bench/suites/listening.ts), in % of one core; and the two/one ratio
 * against the 2× target.
 */
const CPU_RATIO_TARGET = 2;
const MIC_SOURCE = 'virtmic_a';
const SPEAKER_MONITOR = 'virtspk_b.monitor';

interface RunFigures {
  readonly listeningPercentOfOneCore: number;
  readonly byProcessPercent: Record<string, number>;
  readonly launchToStreamingMs: number;
  readonly perSource: Partial<Record<SpeakerSource, SourceLatencies>>;
  readonly alignmentScores: Record<string, number>;
}

/** Alternating turns: you, the other side, you … */
function script(count: number): Turn[] {
  return heldoutClips(0, count).map((clip, i) => ({ ...clip, speaker: i % 2 === 0 ? 'mic' : 'system' }));
}

async function listen(
  context: BenchContext,
  mic: VirtualMic,
  conversation: Conversation,
  wavs: { mic: string; system: string },
  sources: readonly SpeakerSource[],
): Promise<RunFigures> {
  const label = sources.length === 1 ? 'one source' : 'two sources';
  const taps = { mic: tapSource(MIC_SOURCE, mic.env), system: tapSource(SPEAKER_MONITOR, mic.env) };
  const devices = ['--device', `PulseAudio:${MIC_SOURCE}`];
  if (sources.includes('system')) devices.push('--system', `PulseAudio:${SPEAKER_MONITOR}`);
  const launchedAt = performance.timeOrigin + performance.now();
  const cli = startCli(
    [
      'transcribe',
      ...devices,
      '--format',
      'jsonl',
      '--model-dir',
      STREAMING_TEST_MODEL,
      '--vad-model',
      VAD_MODEL,
      '--journal-dir',
      join(context.tmpDir, `journal-${sources.length}`),
    ],
    mic.env,
  );
  try {
    const streaming = await cli.waitFor(
      `${label}: streaming`,
      (e) => e.type === 'state' && e.state === 'streaming',
      60_000,
    );
    const cpu0 = treeCpuMs(cli.pid);
    const t0 = performance.now();
    const seconds = conversation.mic.length / PROGRAM_RATE;
    context.log(`${label}: playing the call (${Math.round(seconds)} s)`);
    await Promise.all([
      mic.play(wavs.mic, 'a', { timeoutMs: seconds * 1000 + 30_000 }),
      mic.play(wavs.system, 'b', { timeoutMs: seconds * 1000 + 30_000 }),
    ]);
    const wallMs = performance.now() - t0;
    const listening = minus(treeCpuMs(cli.pid), cpu0);
    const expected = conversation.spans.filter((s) => sources.includes(s.speaker)).length;
    // The last final follows the end of speech by well under 3 s; wait for it, boundedly.
    await cli
      .waitUntil(
        `${label}: the last finals`,
        (events) => events.filter((e) => e.type === 'final').length >= expected,
        5000,
      )
      .catch((error: unknown) => context.log(`${label}: ${(error as Error).message}`));
    cli.signal('SIGINT');
    const exit = await cli.exited(30_000);
    if (exit.code !== 0) throw new Error(`${label}: transcribe exited ${JSON.stringify(exit)}: ${cli.stderr()}`);
    const heard: Record<SpeakerSource, { turns: TurnTimes[]; alignmentScore: number }> = {
      mic: turnTimes(conversation.mic, conversation.spans, await taps.mic.stop()),
      system: turnTimes(
        conversation.system,
        conversation.spans.filter((s) => s.speaker === 'system'),
        await taps.system.stop(),
      ),
    };
    // Each turn where its own speaker's source heard it.
    const turns = conversation.spans.map((s, i) =>
      s.speaker === 'mic'
        ? heard.mic.turns[i]!
        : heard.system.turns[conversation.spans.slice(0, i).filter((p) => p.speaker === 'system').length]!,
    );
    const perSource: Partial<Record<SpeakerSource, SourceLatencies>> = {};
    for (const source of sources) perSource[source] = sourceLatencies(source, turns, cli.timed);
    const percent = (ms: number): number => round((100 * ms) / wallMs, 1);
    return {
      listeningPercentOfOneCore: percent(total(listening)),
      byProcessPercent: {
        main: percent(listening.main),
        capture: percent(listening.capture),
        engine: percent(listening.engine),
        helpers: percent(listening.helpers),
      },
      launchToStreamingMs: Math.round(streaming.at - launchedAt),
      perSource,
      alignmentScores: { mic: heard.mic.alignmentScore, system: heard.system.alignmentScore },
    };
  } finally {
    await cli.cleanup();
    await Promise.allSettled([taps.mic.stop(), taps.system.stop()]);
  }
}

function latencyFigures(l: SourceLatencies | undefined): Record<string, unknown> | null {
  if (!l) return null;
  const s2s = percentiles(l.speechEndToFinalMs, [50, 95]);
  const first = percentiles(l.firstPartialMs, [50]);
  return {
    speechEndToFinalMs: s2s,
    firstPartialP50Ms: first['p50'] ?? null,
    missedTurns: l.missed,
    strayFinals: l.strayFinals,
  };
}

async function run(context: BenchContext): Promise<BenchFigures> {
  const reason = virtualMicUnavailableReason();
  if (reason) return { skipped: reason };
  const turns = script(context.quick ? 6 : 16);
  const conversation = await buildConversation(turns);
  const dir = join(context.tmpDir, 'call');
  await mkdir(dir, { recursive: true });
  const wavs = { mic: join(dir, 'mic.wav'), system: join(dir, 'system.wav') };
  await writeWav(wavs.mic, { sampleRate: PROGRAM_RATE, channels: 1, samples: conversation.mic });
  await writeWav(wavs.system, { sampleRate: PROGRAM_RATE, channels: 1, samples: conversation.system });
  const load = { before: round(loadavg()[0]!, 2), after: 0 };
  const mic = await startVirtualMic();
  let one: RunFigures;
  let two: RunFigures;
  try {
    one = await listen(context, mic, conversation, wavs, ['mic']);
    two = await listen(context, mic, conversation, wavs, ['mic', 'system']);
  } finally {
    load.after = round(loadavg()[0]!, 2);
    await mic.stop();
  }
  const ratio = round(two.listeningPercentOfOneCore / one.listeningPercentOfOneCore, 2);
  context.log(
    `CPU one source ${one.listeningPercentOfOneCore}%, two sources ${two.listeningPercentOfOneCore}% (×${ratio}, target ≤ ${CPU_RATIO_TARGET})`,
  );
  return {
    environment: { cores: cpus().length, loadAverage1m: load },
    turns: {
      mic: turns.filter((t) => t.speaker === 'mic').length,
      system: turns.filter((t) => t.speaker === 'system').length,
    },
    audioSeconds: round(conversation.mic.length / PROGRAM_RATE, 1),
    latency: {
      oneSource: { mic: latencyFigures(one.perSource.mic) },
      twoSources: { mic: latencyFigures(two.perSource.mic), system: latencyFigures(two.perSource.system) },
    },
    cpuWhileListeningPercentOfOneCore: {
      oneSource: one.listeningPercentOfOneCore,
      twoSources: two.listeningPercentOfOneCore,
      ratioTwoToOne: ratio,
      target: `≤ ${CPU_RATIO_TARGET}×`,
      met: ratio <= CPU_RATIO_TARGET,
      byProcess: { oneSource: one.byProcessPercent, twoSources: two.byProcessPercent },
    },
    launchToStreamingMs: { oneSource: one.launchToStreamingMs, twoSources: two.launchToStreamingMs },
    alignmentScores: { oneSource: one.alignmentScores, twoSources: two.alignmentScores },
  };
}

const suite: BenchSuite = {
  name: 'meeting',
  description:
    'a scripted call into a mic and a speaker sink: earshot transcribe with one source and with --system, speech-to-screen per source and CPU of all processes, two/one ratio',
  run,
};

export default suite;
