import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDeepgram } from '../fakes/fake-deepgram.ts';
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
 * `bin/earshot transcribe --provider deepgram` end to end against the fake Deepgram
 * (tests/fakes/fake-deepgram.ts): raw `linear16` at the `sample_rate` named in the URL, finals
 * that tile the audio (three words each here, as Deepgram splits long utterances), `CloseStream`
 * to end. The fake is not api.deepgram.com, so the key goes there only because --api-key-env
 * names it.
 */
const RATE = 16_000;
const UTTERANCES = Array.from({ length: 5 }, (_, u) => Array.from({ length: 12 }, (_, w) => u * 12 + w + 1));
const DIALECT: DialectCli = { provider: 'deepgram', apiKey: { env: 'DEEPGRAM_API_KEY', value: KEY } };

let dir: string;
let fake: FakeDeepgram | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-deepgram-'));
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

describe('earshot transcribe --provider deepgram', () => {
  it('names 16 kHz linear16 in the URL and sends it, prints every final once in order at session times', async () => {
    fake = await new FakeDeepgram({ apiKey: KEY }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES);
    const done = await run(speech);
    expect((await done.exited(30_000)).code).toBe(0);
    const query = new URL(fake.connections[0]!.request.url!, 'ws://x').searchParams;
    expect([query.get('encoding'), query.get('sample_rate'), query.get('channels')]).toEqual([
      'linear16',
      '16000',
      '1',
    ]);
    const finals = printedFinals(done.events);
    expect(finals.flatMap((f) => wordIds(f.text))).toEqual(UTTERANCES.flat());
    expectFinalsAtTheirWords(finals, speech);
    expectAccountedOnce(fake.accountedAudio(), speech.samples);
  });

  it('loses nothing and repeats nothing when the socket drops in the middle of an utterance', async () => {
    // Connection 1 dies (FIN, no close frame) two words into utterance 2: w13 and w14 were heard
    // as interim results only (a final covers three words), so they are the replay's to recover.
    fake = await new FakeDeepgram({ apiKey: KEY, faults: { drop: [{ connection: 1, afterWords: 14 }] } }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES);
    const done = await run(speech);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(fake.connections.length).toBeGreaterThanOrEqual(2);
    expect(fake.connections[0]!.closed).toBe(true);
    expect(fake.connections[0]!.closedWith).toBeNull();
    const finals = printedFinals(done.events);
    expect(finals.flatMap((f) => wordIds(f.text))).toEqual(UTTERANCES.flat());
    expectFinalsAtTheirWords(finals, speech);
    expect(new Set(finals.map((f) => f.segmentId)).size).toBe(finals.length);
    expectJournalMatches(join(dir, 'journal'), done.events);
    expectAccountedOnce(fake.accountedAudio(), speech.samples);
  });

  it('keeps the last utterance when the audio stops in the middle of a word, and ends within seconds', async () => {
    fake = await new FakeDeepgram({ apiKey: KEY }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES.slice(0, 2));
    const cut = speech.words[17]!; // w18, six words into utterance 2
    const cutMs = cut.startMs + 80;
    const started = performance.now();
    const done = await run(speech, ['--fast', '--seconds', String(cutMs / 1000)]);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    const finals = printedFinals(done.events);
    expect(finals.flatMap((f) => wordIds(f.text))).toEqual([...UTTERANCES[0]!, ...UTTERANCES[1]!.slice(0, 6)]);
    expectFinalsAtTheirWords(finals, speech, { cutMs });
    // What the service received, all of it accounted: the file up to the cut at least.
    expect(fake.accountedAudio().length).toBe(fake.connections[0]!.audio.length);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { atLeast: (cutMs * RATE) / 1000 });
  });

  it('on SIGINT while an utterance is spoken, keeps what was said and exits 0 within seconds', async () => {
    fake = await new FakeDeepgram({ apiKey: KEY }).start();
    const speech = synthesizeSpeech(RATE, [
      [1, 2, 3],
      [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    ]);
    const stopMs = speech.words[7]!.startMs + 80; // inside w8
    const done = await run(speech, ['--realtime']);
    const signalled = await sigintWhenHeard(fake, done, (stopMs * RATE) / 1000);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(10_000);
    // The service's own finals, not a promoted partial: every word said before the signal, in order, once.
    const heard = printedFinals(done.events).flatMap((f) => wordIds(f.text));
    expect(heard).toEqual(Array.from({ length: heard.length }, (_, i) => i + 1));
    expect(heard).toEqual(expect.arrayContaining(wordsBefore(speech, stopMs)));
    expect(done.events.some((e) => e.type === 'warning' && e['code'] === 'QUIT_DRAIN_CUT')).toBe(false);
    expect(fake.accountedAudio().length).toBe(fake.connections[0]!.audio.length);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { atLeast: (stopMs * RATE) / 1000 });
  });
});
