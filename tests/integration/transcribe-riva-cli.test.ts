import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeRiva } from '../fakes/fake-riva.ts';
import { synthesizeSpeech, wordText, type SyntheticSpeech } from '../fakes/word-audio.ts';
import { type CliEvent, type CliProcess } from '../helpers/cli-process.ts';
import {
  expectAccountedOnce,
  expectFinalsStartAtUtterances,
  transcribeSpeech,
  type DialectCli,
} from '../helpers/word-speech-cli.ts';

/**
 * `bin/earshot transcribe --provider riva` end to end against the fake built from NVIDIA's docs
 * and client (tests/fakes/fake-riva.ts): 16 kHz, `conversation.created` first, every chunk
 * appended and committed, `input_audio_buffer.done` to end.
 */
const RATE = 16_000;
const MODEL = 'parakeet-1.1b-en-US-asr-streaming';
const UTTERANCES = Array.from({ length: 5 }, (_, u) => Array.from({ length: 12 }, (_, w) => u * 12 + w + 1));

let dir: string;
let fake: FakeRiva | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-riva-'));
});
afterEach(async () => {
  await cli?.cleanup();
  await fake?.close();
  cli = null;
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

const DIALECT: DialectCli = { provider: 'riva', extra: ['--model', MODEL] };

async function run(speech: SyntheticSpeech, started: FakeRiva): Promise<{ finals: CliEvent[]; code: number | null }> {
  cli = await transcribeSpeech(dir, speech, started.url, DIALECT);
  const { code } = await cli.exited(60_000);
  return { finals: cli.events.filter((e) => e.type === 'final' && e['text'] !== ''), code };
}

describe('earshot transcribe --provider riva', () => {
  it('answers conversation.created with its session at 16 kHz, commits every chunk, prints every final once with session times', async () => {
    fake = await new FakeRiva().start();
    const speech = synthesizeSpeech(RATE, UTTERANCES);
    const { finals, code } = await run(speech, fake);
    expect(code).toBe(0);
    expect(fake.rates).toEqual([RATE]);
    expect(finals.map((f) => f['text'])).toEqual(speech.utterances);
    expectFinalsStartAtUtterances(finals, speech, UTTERANCES);
    const sent = fake.connections[0]!.messagesIn.map((m) => (JSON.parse(m) as { type: string }).type);
    expect(sent[0]).toBe('transcription_session.update');
    expect(sent.filter((t) => t === 'input_audio_buffer.append').length).toBe(
      sent.filter((t) => t === 'input_audio_buffer.commit').length,
    );
    expect(sent.at(-1)).toBe('input_audio_buffer.done');
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: Number.POSITIVE_INFINITY });
  }, 90_000);

  it('loses nothing and repeats nothing when the connection drops in the middle of an utterance', async () => {
    // Connection 1 dies (socket closed, no close frame) three words into utterance 2.
    fake = await new FakeRiva({ faults: { drop: [{ connection: 1, afterWords: 15 }] } }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES);
    const { finals, code } = await run(speech, fake);
    expect(code).toBe(0);
    expect(fake.connections.length).toBeGreaterThanOrEqual(2);
    expect(fake.connections[0]!.closed).toBe(true);
    expect(finals.map((f) => f['text'])).toEqual(speech.utterances);
    expectFinalsStartAtUtterances(finals, speech, UTTERANCES);
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: Number.POSITIVE_INFINITY });
  }, 90_000);

  it('a stop in the middle of speech keeps the last utterance (input_audio_buffer.done finalises it)', async () => {
    fake = await new FakeRiva().start();
    const speech = synthesizeSpeech(RATE, UTTERANCES.slice(0, 2), { tailMs: 0 });
    const { finals, code } = await run(speech, fake);
    expect(code).toBe(0);
    expect(finals.map((f) => f['text'])).toEqual(speech.utterances);
    expect(wordText(UTTERANCES[1]!.at(-1)!)).toBe(String(finals.at(-1)!['text']).split(' ').at(-1));
    expectAccountedOnce(fake.accountedAudio(), speech.samples, { maxPad: Number.POSITIVE_INFINITY });
  }, 90_000);
});
