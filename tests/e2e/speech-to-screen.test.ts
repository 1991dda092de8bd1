import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findChild, startCli, waitGone, type CliProcess } from '../helpers/cli-process.ts';
import { OFFLINE_TEST_MODEL, STREAMING_TEST_MODEL, VAD_MODEL, requireSharedModels } from '../helpers/paths.ts';
import { DOCUMENTED_WER, heldoutClips, librivoxClips } from '../helpers/speech-clips.ts';
import {
  expectExportsConsistent,
  expectJournalMatches,
  expectOneFinalPerUtterance,
  printedFinals,
  states,
} from '../helpers/transcript-checks.ts';
import { buildProgram, writeProgram, type Program, type ProgramClip } from '../helpers/utterance-timing.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { wordErrorRate } from '../helpers/wer.ts';

/**
 * Speech to screen, the whole path, as a person runs it: real speech is played into the
 * virtual Mic B (a PulseAudio source) → the capture process (parec) → the session →
 * WebSocket → the embedded engine (its own process) → transcript → jsonl on stdout and the
 * journal on disk, all driven through `bin/earshot transcribe --device <Mic B>` as a child
 * process, stopped with SIGINT like Ctrl+C.
 */
const unavailable = virtualMicUnavailableReason();

let mic: VirtualMic;
let dir: string;
let cli: CliProcess | null = null;

beforeAll(async () => {
  if (unavailable) return;
  requireSharedModels();
  mic = await startVirtualMic();
  dir = await mkdtemp(join(tmpdir(), 'earshot-e2e-speech-'));
});
afterEach(async () => {
  await cli?.cleanup();
  cli = null;
});
afterAll(async () => {
  await mic?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly program: Program;
  readonly journalDir: string;
  readonly cli: CliProcess;
  /** Pids of the capture and engine processes seen while streaming. */
  readonly tree: number[];
  /** When SIGINT was sent (the clock of `cli.timed[].at`). */
  readonly sigintAt: number;
}

/**
 * Starts `transcribe` on Mic B, plays the clips into it, sends SIGINT as soon as playback
 * ends (so the last utterance's final comes through the drain) and waits for exit.
 */
async function transcribeSpoken(
  name: string,
  clips: readonly ProgramClip[],
  engineArgs: readonly string[],
  options: { tailMs?: number } = {},
): Promise<Run> {
  const journalDir = join(dir, name, 'journal');
  await mkdir(join(dir, name), { recursive: true });
  const program = await buildProgram(clips, { gapMs: 1500, tailMs: options.tailMs ?? 1500 });
  const wav = join(dir, name, 'program.wav');
  await writeProgram(wav, program);
  const run = startCli(
    ['transcribe', '--device', mic.deviceKey('b'), '--format', 'jsonl', '--journal-dir', journalDir, ...engineArgs],
    mic.env,
  );
  cli = run;
  await run.waitFor('the session to stream', (e) => e.type === 'state' && e.state === 'streaming', 60_000);
  const tree = run.descendants();
  expect(findChild(tree, 'capture'), 'a capture process runs under the CLI').toBeDefined();
  expect(findChild(tree, 'engine'), 'an engine process runs under the CLI').toBeDefined();
  const seconds = program.samples.length / 16_000;
  await mic.play(wav, 'b', { timeoutMs: seconds * 1000 + 30_000 });
  const sigintAt = performance.timeOrigin + performance.now();
  run.signal('SIGINT');
  const status = await run.exited(60_000);
  expect(status, `exit status; stderr:\n${run.stderr()}`).toEqual({ code: 0, signal: null });
  return { program, journalDir, cli: run, tree: tree.map((p) => p.pid), sigintAt };
}

/** After exit 0: nothing the CLI started still runs (zombies awaiting a reaper count as gone). */
async function expectNoProcessLeft(run: Run): Promise<void> {
  await waitGone(run.tree, 10_000);
}

describe.skipIf(unavailable !== null)(
  `speech to screen through bin/earshot transcribe and the virtual microphone${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it(
      `streaming model: 20 held-out espeak utterances (~110 words) — WER ≤ documented ${DOCUMENTED_WER.streaming}% + 10 points ` +
        '(looser than +5 because 20 of the 40 files carry ±5 points of sampling error), one final per utterance in order, ' +
        'journal = printed, exports and history agree, SIGINT drains and exits 0 leaving no process',
      async () => {
        const clips = heldoutClips(0, 20);
        const run = await transcribeSpoken('streaming', clips, ['--model-dir', STREAMING_TEST_MODEL], { tailMs: 0 });
        const events = run.cli.events;
        expect(run.cli.otherLines).toEqual([]);
        expect(states(events)).toEqual(['starting', 'streaming', 'stopping', 'idle']);
        const finals = printedFinals(events);
        const placement = expectOneFinalPerUtterance(finals, run.program.spans);
        const wer = wordErrorRate(clips.map((c, i) => ({ reference: c.reference, hypothesis: finals[i]!.text })));
        console.log(
          `[speech-to-screen] streaming: WER ${wer.toFixed(1)}% over ${clips.length} utterances; final start vs onset ` +
            `offset ${placement.offsetMs} ms, deviations ${placement.deviationsMs.join(' ')}`,
        );
        expect(wer).toBeLessThanOrEqual(DOCUMENTED_WER.streaming + 10);
        const drained = run.cli.timed.filter((t) => t.event.type === 'final' && t.at > run.sigintAt).length;
        console.log(`[speech-to-screen] ${drained} final(s) arrived after SIGINT, through the drain`);
        // Playback ends ~0.3 s after the last word (the clip's own padding); the engine's endpoint
        // needs ≥ 0.7 s, so the last final can only have come from the drain after SIGINT.
        expect(drained).toBeGreaterThanOrEqual(1);
        // Partials came first: every final was preceded by at least one partial of its segment.
        const partialIds = new Set(events.filter((e) => e.type === 'partial').map((e) => e['segmentId']));
        expect(finals.filter((f) => partialIds.has(f.segmentId)).length).toBeGreaterThanOrEqual(finals.length - 1);
        const journal = expectJournalMatches(run.journalDir, events);
        expectExportsConsistent(journal, join(dir, 'streaming'));
        await expectNoProcessLeft(run);
      },
    );

    it(
      `offline model over Silero VAD: 6 held-out utterances (~35 words) — WER ≤ documented ${DOCUMENTED_WER.offline}% + 20 points ` +
        '(6 files carry ±10 points of sampling error), one final per utterance in order, journal = printed, clean exit',
      async () => {
        const clips = heldoutClips(20, 6);
        const run = await transcribeSpoken('offline', clips, [
          '--model-dir',
          OFFLINE_TEST_MODEL,
          '--vad-model',
          VAD_MODEL,
        ]);
        const finals = printedFinals(run.cli.events);
        expectOneFinalPerUtterance(finals, run.program.spans);
        const wer = wordErrorRate(clips.map((c, i) => ({ reference: c.reference, hypothesis: finals[i]!.text })));
        console.log(`[speech-to-screen] offline+VAD: WER ${wer.toFixed(1)}% over ${clips.length} utterances`);
        expect(wer).toBeLessThanOrEqual(DOCUMENTED_WER.offline + 20);
        expectJournalMatches(run.journalDir, run.cli.events);
        await expectNoProcessLeft(run);
      },
    );

    it(
      'LibriVox read speech (5 clips; the test model outputs nonsense on human speech, so no WER): ' +
        'one final per clip in order, journal = printed, clean exit',
      async () => {
        const clips = librivoxClips();
        expect(clips).toHaveLength(5);
        const run = await transcribeSpoken('librivox', clips, ['--model-dir', STREAMING_TEST_MODEL]);
        const finals = printedFinals(run.cli.events);
        // Human sentences hold pauses the espeak clips do not; still one final each, on its clip.
        expectOneFinalPerUtterance(finals, run.program.spans, 1000);
        for (const f of finals) expect(f.text.split(' ').length).toBeGreaterThanOrEqual(3);
        expectJournalMatches(run.journalDir, run.cli.events);
        await expectNoProcessLeft(run);
      },
    );
  },
);
