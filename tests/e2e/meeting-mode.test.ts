import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import { readJournal } from '../../src/core/transcript/journal-reader.ts';
import { inSpokenOrder } from '../../src/shared/transcript.ts';
import { startCli, type CliEvent, type CliProcess } from '../helpers/cli-process.ts';
import { buildConversation, type Conversation, type Turn } from '../helpers/conversation.ts';
import { addMicrophone, addSpeakers } from '../helpers/pulse-devices.ts';
import { STREAMING_TEST_MODEL, requireSharedModels } from '../helpers/paths.ts';
import { DOCUMENTED_WER, heldoutClips } from '../helpers/speech-clips.ts';
import { states } from '../helpers/transcript-checks.ts';
import { PROGRAM_RATE, samplesToMs } from '../helpers/utterance-timing.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { waitUntil } from '../helpers/wait.ts';
import { wordErrorRate } from '../helpers/wer.ts';

/**
 * Meeting mode end to end, as a person runs it: `bin/earshot transcribe --device <Mic A>
 * --system <Mic B>` with the embedded engine and the streaming test model. A scripted call
 * plays at once into both: your turns into Mic A (the headset), the other side's into Mic B
 * (standing in for the speakers' monitor, which another helper's device listing provides), and
 * the other side also into Mic A at −14 dB — the speakers leaking into the mic. The leak is made
 * by PulseAudio itself (module-loopback from Speaker B's monitor into Speaker A at −14 dB, 60 ms
 * latency), so it follows the system audio as a room's echo does, whatever the skew between the
 * two playback streams.
 * Each utterance must come out once, under its speaker, in conversation order, both sides'
 * times on one clock.
 */
const unavailable = virtualMicUnavailableReason();

let mic: VirtualMic;
let dir: string;
let cli: CliProcess | null = null;

beforeAll(async () => {
  if (unavailable) return;
  requireSharedModels();
  mic = await startVirtualMic();
  await leakSpeakersIntoMic('virtspk_b', -14);
  dir = await mkdtemp(join(tmpdir(), 'earshot-e2e-meeting-'));
});
afterEach(async () => {
  await cli?.cleanup();
  cli = null;
});
afterAll(async () => {
  await mic?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface SpokenFinal {
  readonly source: string;
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly segmentId: string;
}

function finals(events: readonly CliEvent[]): SpokenFinal[] {
  return inSpokenOrder(
    events
      .filter((e) => e.type === 'final' && typeof e['text'] === 'string' && e['text'].length > 0)
      .map((e) => ({
        source: e['source'] as string,
        text: e['text'] as string,
        startMs: e['startMs'] as number,
        endMs: e['endMs'] as number,
        segmentId: e['segmentId'] as string,
      })),
  );
}

/** A sink's sound reaches Mic A at `db` through a PulseAudio loopback (a room's echo path). */
async function leakSpeakersIntoMic(sink: string, db: number): Promise<void> {
  const module = (
    await mic.pactl(
      'load-module',
      'module-loopback',
      `source=${sink}.monitor`,
      'sink=virtspk_a',
      'latency_msec=60',
      'source_dont_move=true',
      'sink_dont_move=true',
    )
  ).trim();
  let input: string | undefined;
  await waitUntil(
    async () => {
      // Long format: each block names its owner module.
      const blocks = (await mic.pactl('list', 'sink-inputs')).split(/\n(?=Sink Input #)/);
      input = blocks
        .find((block) => new RegExp(`Owner Module: ${module}\\b`).test(block))
        ?.match(/^Sink Input #(\d+)/)?.[1];
      return input !== undefined;
    },
    { what: `the loopback module ${module}'s sink input`, timeoutMs: 5_000, intervalMs: 50 },
  );
  await mic.pactl('set-sink-input-volume', input!, `${db}dB`);
}

/** Alternating turns: you, the other side, you … */
function call(from: number, count: number): Turn[] {
  return heldoutClips(from, count).map((clip, i) => ({ ...clip, speaker: i % 2 === 0 ? 'mic' : 'system' }));
}

async function startMeeting(
  name: string,
  conversation: Conversation,
  devices: { mic: string; system: string } = { mic: mic.deviceKey('a'), system: mic.deviceKey('b') },
): Promise<{ run: CliProcess; journalDir: string; micWav: string; systemWav: string }> {
  const base = join(dir, name);
  await mkdir(base, { recursive: true });
  const micWav = join(base, 'mic.wav');
  const systemWav = join(base, 'system.wav');
  await writeWav(micWav, { sampleRate: PROGRAM_RATE, channels: 1, samples: conversation.mic });
  await writeWav(systemWav, { sampleRate: PROGRAM_RATE, channels: 1, samples: conversation.system });
  const journalDir = join(base, 'journal');
  const run = startCli(
    [
      'transcribe',
      '--device',
      devices.mic,
      '--system',
      devices.system,
      '--format',
      'jsonl',
      '--journal-dir',
      journalDir,
      '--model-dir',
      STREAMING_TEST_MODEL,
    ],
    mic.env,
  );
  cli = run;
  await run.waitFor('the meeting to stream', (e) => e.type === 'state' && e.state === 'streaming', 60_000);
  return { run, journalDir, micWav, systemWav };
}

describe.skipIf(unavailable !== null)(
  `meeting mode through bin/earshot transcribe --device --system${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it(
      `a scripted call of 8 turns with the other side leaking into the mic at −14 dB: each utterance once, under its ` +
        `speaker, in conversation order, one clock; WER of each side ≤ documented ${DOCUMENTED_WER.streaming}% + 25 points ` +
        '(4 utterances a side, ~20 words: ±15 points of sampling error alone)',
      async () => {
        const turns = call(0, 8);
        const conversation = await buildConversation(turns, { leakDb: null });
        const { run, journalDir, micWav, systemWav } = await startMeeting('call', conversation);
        const seconds = conversation.mic.length / PROGRAM_RATE;
        await Promise.all([
          mic.play(micWav, 'a', { timeoutMs: seconds * 1000 + 30_000 }),
          mic.play(systemWav, 'b', { timeoutMs: seconds * 1000 + 30_000 }),
        ]);
        run.signal('SIGINT');
        expect(await run.exited(60_000), `exit status; stderr:\n${run.stderr()}`).toEqual({ code: 0, signal: null });
        expect(run.otherLines).toEqual([]);
        expect(states(run.events)).toEqual(['starting', 'streaming', 'stopping', 'idle']);

        const spoken = finals(run.events);
        const spans = conversation.spans;
        // Leak: a "You" final on the other side's turn; loss: your turn without a "You" final.
        const onTurn = (f: SpokenFinal, offset: number): number =>
          spans.findIndex(
            (s) => f.startMs - offset >= samplesToMs(s.clipStart) - 300 && f.startMs - offset < samplesToMs(s.clipEnd),
          );
        const offsets = spoken.map((f, i) => f.startMs - samplesToMs(spans[i]?.onset ?? 0)).sort((a, b) => a - b);
        const offset = offsets[Math.floor(offsets.length / 2)]!;
        const leaked = spoken.filter((f) => f.source === 'mic' && spans[onTurn(f, offset)]?.speaker === 'system');
        const lost = spans.filter(
          (s, i) => s.speaker === 'mic' && !spoken.some((f) => f.source === 'mic' && onTurn(f, offset) === i),
        );
        console.log(
          `[meeting] finals: ${spoken.map((f) => `${f.source}@${f.startMs}:${f.text}`).join(' | ')}\n` +
            `[meeting] echo: ${leaked.length} leaked utterance(s) of ${spans.filter((s) => s.speaker === 'system').length} ` +
            `came through as You; ${lost.length} own utterance(s) lost; clock offset ${offset} ms`,
        );
        expect(leaked, 'no other-side utterance a second time as "You"').toEqual([]);
        expect(
          spoken.map((f) => f.source),
          'one final per turn, each under its speaker, in order',
        ).toEqual(turns.map((t) => t.speaker));
        // One clock: every final, of either source, sits on its own turn's onset once one offset is removed.
        const deviations = spoken.map((f, i) => Math.round(f.startMs - offset - samplesToMs(spans[i]!.onset)));
        for (const d of deviations) expect(Math.abs(d), `deviations ${deviations.join(' ')}`).toBeLessThanOrEqual(700);
        for (const side of ['mic', 'system'] as const) {
          const pairs = spans
            .map((s, i) => ({ s, f: spoken[i]! }))
            .filter(({ s }) => s.speaker === side)
            .map(({ s, f }) => ({ reference: s.reference, hypothesis: f.text }));
          const wer = wordErrorRate(pairs);
          console.log(`[meeting] ${side}: WER ${wer.toFixed(1)}% over ${pairs.length} utterances`);
          expect(wer).toBeLessThanOrEqual(DOCUMENTED_WER.streaming + 25);
        }
        const journal = readJournal(
          join(journalDir, `${run.events.find((e) => e['sessionId'])!['sessionId'] as string}.jsonl`),
        )!;
        expect(journal.endedAt).not.toBeNull();
        expect(inSpokenOrder(journal.segments).map((s) => [s.source, s.text])).toEqual(
          spoken.map((f) => [f.source, f.text]),
        );
      },
    );

    it('system audio unplugged mid-call: a warning, the microphone keeps being transcribed, nothing recorded is lost', async () => {
      // After the unplug only you speak: with the output gone, nothing plays through the speakers either.
      const turns: Turn[] = heldoutClips(8, 4).map((clip, i) => ({ ...clip, speaker: i === 1 ? 'system' : 'mic' }));
      const conversation = await buildConversation(turns, { leakDb: null });
      const { run, journalDir, micWav, systemWav } = await startMeeting('unplug', conversation);
      const seconds = conversation.mic.length / PROGRAM_RATE;
      const playingMic = mic.play(micWav, 'a', { timeoutMs: seconds * 1000 + 30_000 });
      const playingSystem = mic.play(systemWav, 'b', { timeoutMs: seconds * 1000 + 30_000 });
      // The other side's first turn (turn 2) comes through, then their source goes away.
      await run.waitFor(
        "the other side's first final",
        (e) => e.type === 'final' && e['source'] === 'system' && !!e['text'],
        60_000,
      );
      await mic.unplug('b');
      const warning = await run.waitFor(
        'a warning about system audio',
        (e) => e.type === 'warning' && (e['source'] === 'system' || e['code'] === 'SOURCE_LOST'),
        30_000,
      );
      await Promise.all([playingMic, playingSystem.catch(() => undefined)]);
      run.signal('SIGINT');
      expect(await run.exited(60_000), `exit status; stderr:\n${run.stderr()}`).toEqual({ code: 0, signal: null });
      const spoken = finals(run.events);
      console.log(`[meeting] after unplug: ${spoken.map((f) => `${f.source}:${f.text}`).join(' | ')}`);
      expect(spoken.filter((f) => f.source === 'system')).toHaveLength(1);
      console.log(`[meeting] warning: ${JSON.stringify(warning.event)}`);
      expect(
        spoken.map((f) => f.source),
        'your turns, also those after the unplug',
      ).toEqual(['mic', 'system', 'mic', 'mic']);
      const sessionId = run.events.find((e) => e['sessionId'])!['sessionId'] as string;
      const journal = readJournal(join(journalDir, `${sessionId}.jsonl`))!;
      expect(journal.endedAt).not.toBeNull();
      expect(journal.segments.map((s) => s.segmentId).sort()).toEqual(spoken.map((f) => f.segmentId).sort());
    });

    it('headset unplugged mid-call: a warning, the default microphone takes over, the other side keeps being transcribed, nothing recorded is lost', async () => {
      // A desktop's devices: a headset microphone, and the speakers whose monitor is the call's
      // sound. Mic A, the default source, stands for the laptop's own microphone: it hears you
      // too, and the speakers at −14 dB (the headset hears neither: it sits at your mouth).
      const headset = await addMicrophone(mic, 'headset_mic', 'Headset microphone');
      const speakers = await addSpeakers(mic, 'meeting_spk', 'Speakers');
      await leakSpeakersIntoMic('meeting_spk', -14);
      // You, the other side twice (the headset is pulled during their first turn's final), you again.
      const turns: Turn[] = heldoutClips(12, 4).map((clip, i) => ({
        ...clip,
        speaker: i === 1 || i === 2 ? 'system' : 'mic',
      }));
      const conversation = await buildConversation(turns, { leakDb: null, gapMs: 2000 });
      const { run, journalDir, micWav, systemWav } = await startMeeting('unplug-headset', conversation, {
        mic: headset.key,
        system: speakers.key,
      });
      const seconds = conversation.mic.length / PROGRAM_RATE;
      const timeoutMs = seconds * 1000 + 30_000;
      // The headset's playback fails when its device goes; the laptop microphone plays on.
      const playingHeadset = headset.play(micWav, { timeoutMs }).catch(() => undefined);
      const playing = Promise.all([mic.play(micWav, 'a', { timeoutMs }), speakers.play(systemWav, { timeoutMs })]);
      await run.waitFor(
        "the other side's first final",
        (e) => e.type === 'final' && e['source'] === 'system' && !!e['text'],
        60_000,
      );
      await headset.unplug();
      const lost = await run.waitFor(
        'the headset reported lost',
        (e) => e.type === 'warning' && e['code'] === 'DEVICE_LOST',
        30_000,
      );
      await Promise.all([playing, playingHeadset]);
      console.log(`[meeting] warning: ${JSON.stringify(lost.event)}`);
      expect(lost.event, 'a warning naming the microphone side and its fallback').toMatchObject({
        source: 'mic',
        lostName: 'Headset microphone',
        fallbackKey: 'default',
      });
      run.signal('SIGINT');
      expect(await run.exited(60_000), `exit status; stderr:\n${run.stderr()}`).toEqual({ code: 0, signal: null });
      expect(states(run.events)).toEqual(['starting', 'streaming', 'stopping', 'idle']);
      const spoken = finals(run.events);
      console.log(`[meeting] after headset unplug: ${spoken.map((f) => `${f.source}:${f.text}`).join(' | ')}`);
      expect(
        spoken.map((f) => f.source),
        'your turn before the unplug, both of theirs once (not again as "You"), yours after it',
      ).toEqual(['mic', 'system', 'system', 'mic']);
      const sessionId = run.events.find((e) => e['sessionId'])!['sessionId'] as string;
      const journal = readJournal(join(journalDir, `${sessionId}.jsonl`))!;
      expect(journal.endedAt).not.toBeNull();
      expect(journal.segments.map((s) => s.segmentId).sort()).toEqual(spoken.map((f) => f.segmentId).sort());
    });
  },
);
