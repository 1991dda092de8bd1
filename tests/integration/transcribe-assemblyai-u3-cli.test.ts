import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import { FakeAssemblyAi } from '../fakes/fake-assemblyai.ts';
import { KEY } from '../fakes/session-harness.ts';
import { synthesizeSpeech } from '../fakes/word-audio.ts';
import { startCli, type CliProcess } from '../helpers/cli-process.ts';

/**
 * Universal-3 Pro partials (`speech_model=u3-rt-pro`): each carries the whole turn so far in
 * `transcript` with every word marked non-final. Through `bin/earshot transcribe` against the fake
 * AssemblyAI (which sends them as AssemblyAI documents): no partial shows its text twice.
 */
const RATE = 16_000;
const UTTERANCES = Array.from({ length: 3 }, (_, u) => Array.from({ length: 8 }, (_, w) => u * 8 + w + 1));

let dir: string;
let fake: FakeAssemblyAi | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-u3-'));
});
afterEach(async () => {
  await cli?.cleanup();
  await fake?.close();
  cli = null;
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

const plain = (text: unknown): string => String(text).toLowerCase().replace(/\.$/, '');

describe('earshot transcribe --provider assemblyai --model u3-rt-pro', () => {
  it('shows each partial once (the whole turn so far), and every final once', async () => {
    fake = await new FakeAssemblyAi({ apiKey: KEY }).start();
    const speech = synthesizeSpeech(RATE, UTTERANCES, { pauseMs: 1_500 });
    const wav = join(dir, 'speech.wav');
    await writeWav(wav, { sampleRate: RATE, channels: 1, samples: speech.samples });
    cli = startCli(
      [
        'transcribe',
        '--provider',
        'assemblyai',
        '--model',
        'u3-rt-pro',
        '--url',
        `${fake.url}`,
        '--api-key-env',
        'ASSEMBLYAI_API_KEY',
        '--input',
        wav,
        '--fast',
        '--format',
        'jsonl',
        '--journal-dir',
        join(dir, 'journal'),
      ],
      { ASSEMBLYAI_API_KEY: KEY },
    );
    expect((await cli.exited(60_000)).code).toBe(0);
    const partials = cli.events.filter((e) => e.type === 'partial' && e['text'] !== '');
    const finals = cli.events.filter((e) => e.type === 'final');
    expect(finals.map((f) => plain(f['text']))).toEqual(speech.utterances);
    // One early partial (750 ms into the turn) and one at its closing pause, per turn.
    expect(partials.length).toBeGreaterThanOrEqual(2 * UTTERANCES.length);
    for (const p of partials) {
      const words = String(p['text']).split(' ');
      expect(new Set(words).size).toBe(words.length);
      expect(speech.utterances.some((u) => u.startsWith(String(p['text'])))).toBe(true);
    }
  }, 90_000);
});
