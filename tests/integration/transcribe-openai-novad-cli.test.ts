import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import { FakeOpenAi } from '../fakes/fake-openai.ts';
import { insideSpeech, spokenProgram, type SpokenProgram } from '../fakes/spoken-program.ts';
import { startCli, type CliProcess } from '../helpers/cli-process.ts';
import { requireSharedModels, VAD_MODEL } from '../helpers/paths.ts';
import { printedFinals } from '../helpers/transcript-checks.ts';

requireSharedModels();

/**
 * `earshot transcribe --model gpt-realtime-whisper` (no server VAD: Earshot commits each turn)
 * against the fake OpenAI played real speech, whose words it takes from the program's oracle.
 */
const KEY = 'sk-novad-test';
const RATE = 24_000;
let dir: string;
const clis: CliProcess[] = [];
const fakes: FakeOpenAi[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-novad-'));
});
afterEach(async () => {
  for (const cli of clis.splice(0)) await cli.cleanup();
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function setUp(
  clips: number,
  options: { dropAtProgramSample?: number } = {},
): Promise<{ fake: FakeOpenAi; program: SpokenProgram; wav: string }> {
  const program = spokenProgram(RATE, clips);
  const fake = await new FakeOpenAi({ apiKey: KEY, program, ...options }).start();
  fakes.push(fake);
  const wav = join(dir, 'speech.wav');
  await writeWav(wav, { sampleRate: RATE, channels: 1, samples: program.samples });
  return { fake, program, wav };
}

function transcribe(fake: FakeOpenAi, wav: string, extra: string[] = []): CliProcess {
  const cli = startCli(
    [
      'transcribe',
      ...['--provider', 'openai-compatible', '--url', fake.url, '--model', 'gpt-realtime-whisper'],
      ...['--api-key-env', 'NOVAD_KEY', '--vad-model', VAD_MODEL],
      ...['--input', wav, '--fast', '--format', 'jsonl', '--journal-dir', join(dir, 'journal')],
      ...extra,
    ],
    { XDG_DATA_HOME: join(dir, 'data'), NOVAD_KEY: KEY },
  );
  clis.push(cli);
  return cli;
}

/** The server accounted for the file once, in order (the WAV source pads its last 20 ms frame with zeros). */
function expectEverySampleOnce(fake: FakeOpenAi, samples: Int16Array): void {
  const accounted = fake.accountedAudio();
  expect(accounted.length - samples.length).toBeGreaterThanOrEqual(0);
  expect(accounted.length - samples.length).toBeLessThan(480);
  const bytes = (a: Int16Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  expect(bytes(accounted.subarray(0, samples.length)).equals(bytes(samples))).toBe(true);
  expect(accounted.subarray(samples.length).every((s) => s === 0)).toBe(true);
}

/** Each commit in the pause after its utterance: never inside speech, never for silence alone. */
function expectOneCommitPerUtterance(commits: readonly number[], program: SpokenProgram): void {
  const utterances = program.utterances;
  expect(commits).toHaveLength(utterances.length);
  commits.forEach((at, i) => {
    expect(insideSpeech(program, at)).toBe(false);
    expect(at).toBeGreaterThan(utterances[i]!.endSample);
    if (i + 1 < utterances.length) expect(at).toBeLessThan(utterances[i + 1]!.startSample);
  });
}

describe('earshot transcribe --model gpt-realtime-whisper (client-side turns)', () => {
  it('sends every sample at 24 kHz, commits once per utterance in its pause, prints each final once in order', async () => {
    const { fake, program, wav } = await setUp(3);
    const cli = transcribe(fake, wav);
    expect((await cli.exited(60_000)).code).toBe(0);
    // The fake refuses any rate but 24 kHz; the accounting compares the file sample for sample.
    expectEverySampleOnce(fake, program.samples);
    expectOneCommitPerUtterance(fake.commits, program);
    const finals = printedFinals(cli.events);
    expect(finals.map((f) => f.text)).toEqual(program.utterances.map((u) => u.text));
    finals.forEach((f, i) => {
      const u = program.utterances[i]!;
      // Session-absolute times: the utterance's own place in the file (Silero pads a little).
      expect(f.startMs).toBeGreaterThan((u.startSample * 1000) / RATE - 300);
      expect(f.endMs).toBeLessThan((u.endSample * 1000) / RATE + 300);
    });
    // The live model's words were on screen before each final.
    const first = program.utterances[0]!.text;
    const partials = cli.events.filter((e) => e.type === 'partial').map((e) => String(e['text']));
    expect(partials.some((p) => p.length > 0 && p.length < first.length && first.startsWith(p))).toBe(true);
  });

  it('loses and duplicates nothing when the server drops the socket mid-utterance', async () => {
    const second = spokenProgram(RATE, 3).utterances[1]!;
    const { fake, program, wav } = await setUp(3, {
      dropAtProgramSample: Math.round((second.startSample + second.endSample) / 2),
    });
    const cli = transcribe(fake, wav);
    expect((await cli.exited(60_000)).code).toBe(0);
    expect(fake.connections.length).toBeGreaterThanOrEqual(2);
    expect(fake.connections[0]!.closed).toBe(true);
    expectEverySampleOnce(fake, program.samples);
    // The commit of the dropped utterance never reached the first server; the replay commits it once.
    expectOneCommitPerUtterance(fake.commits, program);
    expect(printedFinals(cli.events).map((f) => f.text)).toEqual(program.utterances.map((u) => u.text));
  });

  it('keeps the last utterance when stopped mid-speech, and ends within seconds', async () => {
    const { fake, program, wav } = await setUp(2);
    const last = program.utterances[1]!;
    const stopAt = (last.startSample + last.endSample) / 2;
    const cli = transcribe(fake, wav, ['--seconds', String(stopAt / RATE)]);
    await cli.waitFor('the first final', (e) => e.type === 'final');
    const started = performance.now();
    expect((await cli.exited(30_000)).code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    const texts = printedFinals(cli.events).map((f) => f.text);
    expect(texts[0]).toBe(program.utterances[0]!.text);
    const heard = last.words.filter((w) => w.mid < stopAt).map((w) => w.text);
    expect(heard.length).toBeGreaterThan(0);
    expect(texts[1]).toBe(heard.join(' '));
    expect(texts).toHaveLength(2);
  });
});
