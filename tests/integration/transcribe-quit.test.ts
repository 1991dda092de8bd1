import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import { readJournal } from '../../src/core/transcript/journal-reader.ts';
import { parseJournalLine } from '../../src/shared/journal-record.ts';
import { QUIT_BUDGET_MS, quitReserveMs } from '../../src/shared/quit-budget.ts';
import { FakeOpenAi } from '../fakes/fake-openai.ts';
import { KEY } from '../fakes/session-harness.ts';
import { synthesizeSpeech } from '../fakes/word-audio.ts';
import { startCli, type CliProcess } from '../helpers/cli-process.ts';

/**
 * `earshot transcribe` quit with SIGINT while the service never answers the end of the stream
 * (issue 14, item 4): the CLI's signal path shares the app's quit budget (QUIT_BUDGET_MS, the
 * real one, so this test waits most of it), exits 0 in time, and its journal holds the finals
 * the service gave, then the words on screen as a promoted final, then its end.
 */
let dir: string;
let fake: FakeOpenAi | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-transcribe-quit-'));
});
afterEach(async () => {
  await cli?.cleanup();
  await fake?.close();
  cli = null;
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('earshot transcribe, quit during a slow drain', () => {
  it('exits 0 within the quit budget on SIGINT, the partial journaled as promoted and the journal sealed', async () => {
    fake = await new FakeOpenAi({ apiKey: KEY, faults: { slowEnd: () => new Promise<void>(() => {}) } }).start();
    // A long second utterance: SIGINT comes while it is being spoken, so it is on screen as a partial.
    const speech = synthesizeSpeech(24_000, [
      [1, 2, 3],
      [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    ]);
    const wav = join(dir, 'speech.wav');
    await writeWav(wav, { sampleRate: 24_000, channels: 1, samples: speech.samples });
    cli = startCli(
      [
        'transcribe',
        '--provider',
        'openai-compatible',
        '--url',
        fake.url,
        // A compatible server gets OpenAI's key only when it is named for it.
        '--api-key-env',
        'OPENAI_API_KEY',
        '--input',
        wav,
        '--realtime',
        '--format',
        'jsonl',
        '--journal-dir',
        dir,
      ],
      { OPENAI_API_KEY: KEY },
    );
    await cli.waitFor('the first final', (e) => e.type === 'final' && e['text'] === 'w1 w2 w3');
    const partial = await cli.waitFor(
      'a partial of the second utterance',
      (e) => e.type === 'partial' && String(e['text']).startsWith('w4 w5'),
    );
    const segmentId = partial.event['segmentId'] as string;
    const quitAt = Date.now();
    cli.signal('SIGINT');
    expect((await cli.exited(QUIT_BUDGET_MS + 5_000)).code).toBe(0);
    // It waited for the service while the budget allowed, and the whole budget at most (with a
    // margin for the process to exit).
    const tookMs = Date.now() - quitAt;
    expect(tookMs).toBeGreaterThanOrEqual(QUIT_BUDGET_MS - quitReserveMs(QUIT_BUDGET_MS) - 100);
    expect(tookMs).toBeLessThan(QUIT_BUDGET_MS + 1_000);

    const shown = cli.events.filter((e) => e['segmentId'] === segmentId && e.type === 'partial').at(-1)!;
    const sessionId = cli.events.find((e) => e.type === 'state')!['sessionId'] as string;
    const path = join(dir, `${sessionId}.jsonl`);
    const records = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => parseJournalLine(line)!);
    const finals = records.flatMap((r) => (r.type === 'final' ? [[r.segment.text, r.promoted ?? false]] : []));
    expect(finals).toEqual([
      ['w1 w2 w3', false],
      [shown['text'], true],
    ]);
    expect(records.at(-1)?.type).toBe('end');
    expect(readJournal(path)!.endedAt).not.toBeNull();
    // What the person saw: the partial became a final, and a warning said why.
    expect(cli.events.filter((e) => e.type === 'final').map((e) => e['text'])).toEqual(['w1 w2 w3', shown['text']]);
    expect(cli.events.some((e) => e.type === 'warning' && e['code'] === 'QUIT_DRAIN_CUT')).toBe(true);
  });
});
