import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import { FakeVllm, type FakeVllmOptions } from '../fakes/fake-vllm.ts';
import { insideSpeech, spokenProgram, type SpokenProgram } from '../fakes/spoken-program.ts';
import { startCli, type CliProcess } from '../helpers/cli-process.ts';
import { requireSharedModels, VAD_MODEL } from '../helpers/paths.ts';
import { printedFinals } from '../helpers/transcript-checks.ts';

requireSharedModels();

/** `earshot transcribe --provider vllm` against a fake built from vLLM's realtime source (fake-vllm.ts). */
let dir: string;
const clis: CliProcess[] = [];
const fakes: FakeVllm[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-vllm-'));
});
afterEach(async () => {
  for (const cli of clis.splice(0)) await cli.cleanup();
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function setUp(
  clips: number,
  options: Pick<FakeVllmOptions, 'dropAtProgramSample' | 'failGeneration'> = {},
): Promise<{ fake: FakeVllm; program: SpokenProgram; wav: string }> {
  const program = spokenProgram(16_000, clips);
  const fake = await new FakeVllm({ program, ...options }).start();
  fakes.push(fake);
  const wav = join(dir, 'speech.wav');
  await writeWav(wav, { sampleRate: 16_000, channels: 1, samples: program.samples });
  return { fake, program, wav };
}

function transcribe(fake: FakeVllm, wav: string, extra: string[] = []): CliProcess {
  const cli = startCli(
    [
      'transcribe',
      ...['--provider', 'vllm', '--url', `ws://127.0.0.1:${fake.port}`, '--model', 'voxtral-realtime'],
      ...['--input', wav, '--fast', '--format', 'jsonl', '--journal-dir', join(dir, 'journal')],
      ...['--vad-model', VAD_MODEL],
      ...extra,
    ],
    { XDG_DATA_HOME: join(dir, 'data') },
  );
  clis.push(cli);
  return cli;
}

/** The server accounted for the file once, in order (the WAV source pads its last 20 ms frame with zeros). */
function expectEverySampleOnce(fake: FakeVllm, samples: Int16Array): void {
  expect(fake.lostSamples).toBe(0);
  const accounted = fake.transcribedAudio();
  expect(accounted.length - samples.length).toBeGreaterThanOrEqual(0);
  expect(accounted.length - samples.length).toBeLessThan(320);
  const bytes = (a: Int16Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  expect(bytes(accounted.subarray(0, samples.length)).equals(bytes(samples))).toBe(true);
  expect(accounted.subarray(samples.length).every((s) => s === 0)).toBe(true);
}

describe('earshot transcribe --provider vllm', () => {
  it('sends every sample at 16 kHz, closes a generation at each pause, prints each final once in order', async () => {
    const { fake, program, wav } = await setUp(3);
    const cli = transcribe(fake, wav);
    expect((await cli.exited(60_000)).code).toBe(0);
    expectEverySampleOnce(fake, program.samples);
    const finals = printedFinals(cli.events);
    expect(finals.map((f) => f.text)).toEqual(program.utterances.map((u) => u.text));
    finals.forEach((f, i) => {
      const u = program.utterances[i]!;
      // Session-absolute times: the utterance's own place in the file (Silero pads a little).
      expect(f.startMs).toBeGreaterThan(u.startSample / 16 - 300);
      expect(f.endMs).toBeLessThan(u.endSample / 16 + 300);
    });
    // One generation per utterance, closed in its pause, never inside speech.
    expect(fake.finalCommits.slice(0, 3).every((at) => !insideSpeech(program, at))).toBe(true);
    expect(fake.finalCommits).toHaveLength(program.utterances.length + 1); // + the silent tail at the end
  });

  it('loses and duplicates nothing when the server drops the socket mid-utterance', async () => {
    const probe = spokenProgram(16_000, 3);
    const second = probe.utterances[1]!;
    const { fake, program, wav } = await setUp(3, {
      dropAtProgramSample: Math.round((second.startSample + second.endSample) / 2),
    });
    const cli = transcribe(fake, wav);
    expect((await cli.exited(60_000)).code).toBe(0);
    expect(fake.connections.length).toBeGreaterThanOrEqual(2);
    expectEverySampleOnce(fake, program.samples);
    expect(printedFinals(cli.events).map((f) => f.text)).toEqual(program.utterances.map((u) => u.text));
  });

  it('keeps the last utterance when stopped mid-speech, and ends within seconds', async () => {
    const { fake, program, wav } = await setUp(2);
    const last = program.utterances[1]!;
    const stopAt = (last.startSample + last.endSample) / 2;
    const cli = transcribe(fake, wav, ['--seconds', String(stopAt / 16_000)]);
    const started = performance.now();
    await cli.waitFor('the first final', (e) => e.type === 'final');
    expect((await cli.exited(30_000)).code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    const texts = printedFinals(cli.events).map((f) => f.text);
    expect(texts[0]).toBe(program.utterances[0]!.text);
    const heard = last.words.filter((w) => w.mid < stopAt).map((w) => w.text);
    expect(texts[1]).toBe(heard.join(' '));
  });

  it.each(['streaming', 'closing'] as const)(
    'sends a generation that failed (processing_error, no done) while %s once more, losing and duplicating nothing',
    async (when) => {
      const second = spokenProgram(16_000, 3).utterances[1]!;
      const { fake, program, wav } = await setUp(3, {
        failGeneration: { atProgramSample: Math.round((second.startSample + second.endSample) / 2), when },
      });
      const cli = transcribe(fake, wav);
      expect((await cli.exited(60_000)).code).toBe(0);
      expect(fake.failures).toBe(1);
      expect(fake.connections).toHaveLength(1); // recovered on the same socket
      expectEverySampleOnce(fake, program.samples);
      expect(printedFinals(cli.events).map((f) => f.text)).toEqual(program.utterances.map((u) => u.text));
      expect(cli.events.filter((e) => e.type === 'warning').map((e) => String(e['message']))).toEqual([
        expect.stringMatching(/processing_error.*sends that audio again/),
      ]);
    },
  );
});
