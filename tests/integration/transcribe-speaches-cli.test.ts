import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSpeaches } from '../fakes/fake-speaches.ts';
import { synthesizeSpeech, wordText, type SyntheticSpeech } from '../fakes/word-audio.ts';
import { type CliEvent, type CliProcess } from '../helpers/cli-process.ts';
import {
  expectAccountedOnce,
  expectFinalsStartAtUtterances,
  transcribeSpeech,
  type DialectCli,
} from '../helpers/word-speech-cli.ts';

/**
 * `bin/earshot transcribe --provider speaches` end to end against the fake built from Speaches'
 * source (tests/fakes/fake-speaches.ts). Utterances of 12 words with 1.5 s pauses, so the
 * server's VAD (0.58 s of silence and more than 3 s in the item's buffer) ends each one alone.
 */
const RATE = 24_000;
const MODEL = 'Systran/faster-distil-whisper-small.en';
const UTTERANCES = Array.from({ length: 5 }, (_, u) => Array.from({ length: 12 }, (_, w) => u * 12 + w + 1));

let dir: string;
let fake: FakeSpeaches | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-speaches-'));
});
afterEach(async () => {
  await cli?.cleanup();
  await fake?.close();
  cli = null;
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

const DIALECT: DialectCli = { provider: 'speaches', extra: ['--model', MODEL] };

async function run(
  speech: SyntheticSpeech,
  started: FakeSpeaches,
): Promise<{ finals: CliEvent[]; code: number | null }> {
  cli = await transcribeSpeech(dir, speech, started.url, DIALECT);
  const { code } = await cli.exited(60_000);
  return { finals: cli.events.filter((e) => e.type === 'final' && e['text'] !== ''), code };
}

describe('earshot transcribe --provider speaches', () => {
  it('sends 24 kHz audio with the model in the URL, never commits, prints every final once with session times', async () => {
    fake = await new FakeSpeaches().start();
    const speech = synthesizeSpeech(RATE, UTTERANCES, { pauseMs: 1_500 });
    const { finals, code } = await run(speech, fake);
    expect(code).toBe(0);
    expect(finals.map((f) => f['text'])).toEqual(speech.utterances);
    expectFinalsStartAtUtterances(finals, speech, UTTERANCES);
    const conn = fake.connections[0]!;
    expect(new URL(conn.request.url!, 'ws://x').searchParams.get('model')).toBe(MODEL);
    const sent = conn.messagesIn.map((m) => (JSON.parse(m) as { type: string }).type);
    expect(sent).not.toContain('input_audio_buffer.commit');
    expect(fake.killedByCommit).toEqual([]);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: Number.POSITIVE_INFINITY });
  }, 90_000);

  it('loses nothing and repeats nothing when the connection drops in the middle of an utterance', async () => {
    // Connection 1 dies (socket closed, no close frame) three words into utterance 2.
    fake = await new FakeSpeaches({ faults: { drop: [{ connection: 1, afterWords: 15 }] } }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES, { pauseMs: 1_500 });
    const { finals, code } = await run(speech, fake);
    expect(code).toBe(0);
    expect(fake.connections.length).toBeGreaterThanOrEqual(2);
    expect(fake.connections[0]!.closed).toBe(true);
    expect(finals.map((f) => f['text'])).toEqual(speech.utterances);
    expectFinalsStartAtUtterances(finals, speech, UTTERANCES);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: Number.POSITIVE_INFINITY });
  }, 90_000);

  it('a stop in the middle of speech keeps the last utterance: silence closes it, no commit kills the session', async () => {
    fake = await new FakeSpeaches().start();
    // The file ends inside the last word of the last utterance.
    const speech = synthesizeSpeech(RATE, UTTERANCES.slice(0, 2), { pauseMs: 1_500, tailMs: 0 });
    const { finals, code } = await run(speech, fake);
    expect(code).toBe(0);
    expect(finals.map((f) => f['text'])).toEqual(speech.utterances);
    expect(fake.killedByCommit).toEqual([]);
    // What it took: at most 4 s of appended silence after the file, on one connection.
    const conn = fake.connections.at(-1)!;
    expect((conn.audio.length - speech.samples.length) / RATE).toBeLessThanOrEqual(4);
    expect(wordText(UTTERANCES[1]!.at(-1)!)).toBe(String(finals.at(-1)!['text']).split(' ').at(-1));
  }, 90_000);
});
