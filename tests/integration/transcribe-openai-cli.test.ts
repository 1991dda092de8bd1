import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAi } from '../fakes/fake-openai.ts';
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
 * `bin/earshot transcribe --provider openai` (GA shape, server VAD, `gpt-4o-transcribe`) end to
 * end against the fake OpenAI Realtime server (tests/fakes/fake-openai.ts): 24 kHz PCM declared in
 * `session.update`, the server's VAD ending each turn, a commit only to end the stream. The fake
 * is not api.openai.com, so the key goes there only because --api-key-env names it.
 */
const RATE = 24_000;
/** OpenAI's `speech_started.audio_start_ms` includes the VAD's prefix padding (300 ms by default). */
const PREFIX_PADDING_MS = 300;
const UTTERANCES = Array.from({ length: 5 }, (_, u) => Array.from({ length: 12 }, (_, w) => u * 12 + w + 1));
const DIALECT: DialectCli = {
  provider: 'openai',
  apiKey: { env: 'OPENAI_API_KEY', value: KEY },
  extra: ['--model', 'gpt-4o-transcribe'],
};

let dir: string;
let fake: FakeOpenAi | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-openai-'));
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

describe('earshot transcribe --provider openai (server VAD, gpt-4o-transcribe)', () => {
  it('declares and sends 24 kHz, prints every final once in order at session times', async () => {
    fake = await new FakeOpenAi({ apiKey: KEY }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES);
    const done = await run(speech);
    expect((await done.exited(30_000)).code).toBe(0);
    const setup = JSON.parse(fake.connections[0]!.messagesIn[0]!) as {
      type: string;
      session: { audio: { input: { format: { rate: number }; transcription: { model: string } } } };
    };
    expect(setup.type).toBe('session.update');
    expect(setup.session.audio.input.format.rate).toBe(RATE);
    expect(setup.session.audio.input.transcription.model).toBe('gpt-4o-transcribe');
    const finals = printedFinals(done.events);
    expect(finals.map((f) => f.text)).toEqual(speech.utterances);
    expectFinalsAtTheirWords(finals, speech, { leadMs: PREFIX_PADDING_MS });
    expectAccountedOnce(fake.accountedAudio(), speech.samples);
  });

  it('loses nothing and repeats nothing when the socket drops in the middle of an utterance', async () => {
    // Connection 1 dies (FIN, no close frame) three words into utterance 2.
    fake = await new FakeOpenAi({ apiKey: KEY, faults: { drop: [{ connection: 1, afterWords: 15 }] } }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES);
    const done = await run(speech);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(fake.connections.length).toBeGreaterThanOrEqual(2);
    expect(fake.connections[0]!.closed).toBe(true);
    expect(fake.connections[0]!.closedWith).toBeNull();
    const finals = printedFinals(done.events);
    expect(finals.map((f) => f.text)).toEqual(speech.utterances);
    expectFinalsAtTheirWords(finals, speech, { leadMs: PREFIX_PADDING_MS });
    expect(new Set(finals.map((f) => f.segmentId)).size).toBe(finals.length);
    expectJournalMatches(join(dir, 'journal'), done.events);
    expectAccountedOnce(fake.accountedAudio(), speech.samples);
  });

  it('keeps the last utterance when the audio stops in the middle of a word, and ends within seconds', async () => {
    fake = await new FakeOpenAi({ apiKey: KEY }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES.slice(0, 2));
    const cut = speech.words[17]!; // w18, six words into utterance 2
    const cutMs = cut.startMs + 80;
    const started = performance.now();
    const done = await run(speech, ['--fast', '--seconds', String(cutMs / 1000)]);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    const finals = printedFinals(done.events);
    expect(finals.map((f) => wordIds(f.text))).toEqual([UTTERANCES[0], UTTERANCES[1]!.slice(0, 6)]);
    expectFinalsAtTheirWords(finals, speech, { leadMs: PREFIX_PADDING_MS, cutMs });
    // What the service received, all of it accounted: the file up to the cut at least.
    expect(fake.accountedAudio().length).toBe(fake.connections[0]!.audio.length);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { atLeast: (cutMs * RATE) / 1000 });
  });

  it('on SIGINT while an utterance is spoken, keeps what was said and exits 0 within seconds', async () => {
    fake = await new FakeOpenAi({ apiKey: KEY }).start();
    const speech = synthesizeSpeech(RATE, [
      [1, 2, 3],
      [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    ]);
    const stopMs = speech.words[7]!.startMs + 80; // inside w8
    const done = await run(speech, ['--realtime']);
    const signalled = await sigintWhenHeard(fake, done, (stopMs * RATE) / 1000);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(10_000);
    const finals = printedFinals(done.events);
    expect(finals[0]!.text).toBe('w1 w2 w3');
    // The service's own last final, not a promoted partial: every word said before the signal, in order.
    const last = wordIds(finals[1]!.text);
    expect(last).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].slice(0, last.length));
    expect(last).toEqual(expect.arrayContaining(wordsBefore(speech, stopMs).filter((id) => id >= 4)));
    expect(finals).toHaveLength(2);
    expect(done.events.some((e) => e.type === 'warning' && e['code'] === 'QUIT_DRAIN_CUT')).toBe(false);
    expect(fake.accountedAudio().length).toBe(fake.connections[0]!.audio.length);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { atLeast: (stopMs * RATE) / 1000 });
  });
});
