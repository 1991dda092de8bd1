import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAssemblyAi } from '../fakes/fake-assemblyai.ts';
import { KEY } from '../fakes/session-harness.ts';
import { synthesizeSpeech, type SyntheticSpeech } from '../fakes/word-audio.ts';
import type { CliProcess } from '../helpers/cli-process.ts';
import { expectJournalMatches, printedFinals } from '../helpers/transcript-checks.ts';
import {
  expectAccountedOnce,
  expectFinalsAtTheirWords,
  sigintWhenHeard,
  transcribeSpeech,
  wordIds,
  wordsBefore,
  type DialectCli,
} from '../helpers/word-speech-cli.ts';

/**
 * `bin/earshot transcribe --provider assemblyai` (Universal Streaming v3) end to end against the
 * fake AssemblyAI (tests/fakes/fake-assemblyai.ts): `pcm_s16le` at the `sample_rate` named in the
 * URL, in messages of 50–1000 ms, one turn per utterance (its end repeated formatted), `Terminate`
 * to end. The fake is not streaming.assemblyai.com, so the key goes there only because
 * --api-key-env names it. The fake enforces AssemblyAI's transmission-rate rule (3007 for audio
 * faster than real time), so `--fast` runs at the adapter's limit: short utterances keep it quick.
 */
const RATE = 16_000;
const UTTERANCES = Array.from({ length: 3 }, (_, u) => Array.from({ length: 3 }, (_, w) => u * 3 + w + 1));
const PAUSES = { pauseMs: 800, tailMs: 500 };
/** The fake's tolerance (see its `rateLimit`): 1.25× real time after a second of burst. */
const RATE_RULE = { maxRealtimeFactor: 1.25, burstMs: 1_000 };
const DIALECT: DialectCli = { provider: 'assemblyai', apiKey: { env: 'ASSEMBLYAI_API_KEY', value: KEY } };
/** The adapter pads the stream's last message with silence up to AssemblyAI's 50 ms minimum. */
const MAX_PAD = (50 * RATE) / 1000;

let dir: string;
let fake: FakeAssemblyAi | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-assemblyai-'));
});
afterEach(async () => {
  await cli?.cleanup();
  await fake?.close();
  cli = null;
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

async function run(speech: SyntheticSpeech, extra?: readonly string[]): Promise<CliProcess> {
  cli = await transcribeSpeech(dir, speech, fake!.url, DIALECT, extra);
  return cli;
}

describe('earshot transcribe --provider assemblyai', () => {
  it('names 16 kHz pcm_s16le in the URL and sends it within the rate rule, prints every final once in order at session times', async () => {
    fake = await new FakeAssemblyAi({ apiKey: KEY, rateLimit: RATE_RULE }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES, PAUSES);
    const done = await run(speech);
    expect((await done.exited(30_000)).code).toBe(0);
    const query = new URL(fake.connections[0]!.request.url!, 'ws://x').searchParams;
    expect([query.get('encoding'), query.get('sample_rate')]).toEqual(['pcm_s16le', '16000']);
    expect(fake.connections).toHaveLength(1); // never closed for sending too fast
    const finals = printedFinals(done.events);
    expect(finals.map((f) => wordIds(f.text))).toEqual(UTTERANCES);
    expectFinalsAtTheirWords(finals, speech);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: MAX_PAD });
  });

  it('loses nothing and repeats nothing when the socket drops in the middle of an utterance', async () => {
    // Connection 1 dies (FIN, no close frame) two words into utterance 2, its turn still open.
    fake = await new FakeAssemblyAi({
      apiKey: KEY,
      rateLimit: RATE_RULE,
      faults: { drop: [{ connection: 1, afterWords: 5 }] },
    }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES, PAUSES);
    const done = await run(speech);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(fake.connections).toHaveLength(2); // the drop, and no close for sending too fast
    expect(fake.connections[0]!.closed).toBe(true);
    expect(fake.connections[0]!.closedWith).toBeNull();
    const finals = printedFinals(done.events);
    expect(finals.map((f) => wordIds(f.text))).toEqual(UTTERANCES);
    expectFinalsAtTheirWords(finals, speech);
    expect(new Set(finals.map((f) => f.segmentId)).size).toBe(finals.length);
    expectJournalMatches(join(dir, 'journal'), done.events);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: MAX_PAD });
  });

  it('keeps the last utterance when the audio stops in the middle of a word, and ends within seconds', async () => {
    fake = await new FakeAssemblyAi({ apiKey: KEY, rateLimit: RATE_RULE }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES.slice(0, 2), PAUSES);
    const cut = speech.words[4]!; // w5, two words into utterance 2
    const cutMs = cut.startMs + 80;
    const started = performance.now();
    const done = await run(speech, ['--fast', '--seconds', String(cutMs / 1000)]);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    const finals = printedFinals(done.events);
    expect(finals.map((f) => wordIds(f.text))).toEqual([UTTERANCES[0], UTTERANCES[1]!.slice(0, 2)]);
    expectFinalsAtTheirWords(finals, speech, { cutMs });
    // What the service received, all of it accounted: the file up to the cut at least.
    expect(fake.accountedAudio().length).toBe(fake.connections[0]!.audio.length);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: MAX_PAD, atLeast: (cutMs * RATE) / 1000 });
  });

  it('on SIGINT while an utterance is spoken, keeps what was said and exits 0 within seconds', async () => {
    fake = await new FakeAssemblyAi({ apiKey: KEY, rateLimit: RATE_RULE }).start();
    const speech = synthesizeSpeech(
      RATE,
      [
        [1, 2, 3],
        [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      ],
      PAUSES,
    );
    const stopMs = speech.words[7]!.startMs + 80; // inside w8
    const done = await run(speech, ['--realtime']);
    const signalled = await sigintWhenHeard(fake, done, (stopMs * RATE) / 1000);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(10_000);
    // The service's own finals, not a promoted partial: every word said before the signal, in order, once.
    const finals = printedFinals(done.events).map((f) => wordIds(f.text));
    expect(finals[0]).toEqual([1, 2, 3]);
    expect(finals).toHaveLength(2);
    const last = finals[1]!;
    expect(last).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].slice(0, last.length));
    expect(last).toEqual(expect.arrayContaining(wordsBefore(speech, stopMs).filter((id) => id >= 4)));
    expect(done.events.some((e) => e.type === 'warning' && e['code'] === 'QUIT_DRAIN_CUT')).toBe(false);
    expect(fake.accountedAudio().length).toBe(fake.connections[0]!.audio.length);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: MAX_PAD, atLeast: (stopMs * RATE) / 1000 });
  });
});
