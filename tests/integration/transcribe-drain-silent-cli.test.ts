import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAssemblyAi } from '../fakes/fake-assemblyai.ts';
import type { FakeConnection, FakeService, FaultPlan } from '../fakes/fake-base.ts';
import { FakeOpenAi } from '../fakes/fake-openai.ts';
import { KEY } from '../fakes/session-harness.ts';
import { synthesizeSpeech, type SyntheticSpeech } from '../fakes/word-audio.ts';
import type { CliProcess } from '../helpers/cli-process.ts';
import { expectJournalMatches, printedFinals } from '../helpers/transcript-checks.ts';
import { expectAccountedOnce, transcribeSpeech, wordIds, type DialectCli } from '../helpers/word-speech-cli.ts';

/**
 * A service that stops answering right at the end of a stream (src/core/session/drain-probe.ts),
 * end to end: `bin/earshot transcribe --fast` against the fakes of the two services that keep a
 * hung socket open (Deepgram closes one itself after 10 s without audio). The fake's `silent`
 * fault stops everything on connection 1 after word 5 of 8: no messages, no pongs, no answer to
 * the end of the stream. Before the drain probe the stop waited its 15 s and printed only
 * DRAIN_TIMEOUT, the last words lost. A service that is slow but alive (it answers pings, and
 * answers the end only after the session has pinged it for 3 s) must not be reconnected.
 */
const UTTERANCES = [
  [1, 2, 3],
  [4, 5, 6],
  [7, 8],
];
const SILENT_AFTER_WORD_5: FaultPlan = { silent: [{ connection: 1, afterWords: 5 }] };
/** Pings a slow service answers before it answers the end: 3 s of the drain probe's 500 ms pings, past its 2 s limit. */
const PINGS_BEFORE_ANSWER = 6;

interface Dialect extends DialectCli {
  readonly rate: number;
  readonly pauses?: { readonly pauseMs: number; readonly tailMs: number };
  /** Zero samples the adapter may add at the very end (AssemblyAI's 50 ms minimum message). */
  readonly maxPad: number;
  start(faults: FaultPlan): Promise<FakeService>;
}

const DIALECTS: readonly Dialect[] = [
  {
    provider: 'openai',
    apiKey: { env: 'OPENAI_API_KEY', value: KEY },
    extra: ['--model', 'gpt-4o-transcribe'],
    rate: 24_000,
    maxPad: 0,
    start: (faults) => new FakeOpenAi({ apiKey: KEY, faults }).start(),
  },
  {
    provider: 'assemblyai',
    apiKey: { env: 'ASSEMBLYAI_API_KEY', value: KEY },
    rate: 16_000,
    pauses: { pauseMs: 800, tailMs: 500 },
    maxPad: (50 * 16_000) / 1000,
    // The fake's rate rule is on, as in transcribe-assemblyai-cli.test.ts: the replay keeps to it too.
    start: (faults) =>
      new FakeAssemblyAi({ apiKey: KEY, rateLimit: { maxRealtimeFactor: 1.25, burstMs: 1_000 }, faults }).start(),
  },
];

/** Resolves once `conn` has been pinged `count` times from now: the service answers only then. */
function afterPings(conn: FakeConnection, count: number): Promise<void> {
  return new Promise((resolve) => {
    let pings = 0;
    const onPing = (): void => {
      if (++pings < count) return;
      conn.ws.off('ping', onPing);
      resolve();
    };
    conn.ws.on('ping', onPing);
  });
}

let dir: string;
let fake: FakeService | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-drain-silent-'));
});
afterEach(async () => {
  await cli?.cleanup();
  await fake?.close();
  cli = null;
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

function warningCodes(events: readonly Record<string, unknown>[]): unknown[] {
  return events.filter((e) => e['type'] === 'warning').map((e) => e['code']);
}

describe.each(DIALECTS)('earshot transcribe --provider $provider, the service hangs at the end', (dialect) => {
  async function run(faults: FaultPlan): Promise<{ done: CliProcess; speech: SyntheticSpeech }> {
    fake = await dialect.start(faults);
    const speech = synthesizeSpeech(dialect.rate, UTTERANCES, dialect.pauses);
    cli = await transcribeSpeech(dir, speech, fake.url, dialect);
    return { done: cli, speech };
  }

  it('reconnects within the drain and prints every word once, in order, exit 0, no DRAIN_TIMEOUT', async () => {
    const { done, speech } = await run(SILENT_AFTER_WORD_5);
    expect((await done.exited(30_000)).code).toBe(0);
    expect(fake!.connections[0]!.silent).toBe(true);
    expect(fake!.connections).toHaveLength(2); // the silent one, and the one that finished the stream
    const finals = printedFinals(done.events);
    expect(finals.map((f) => wordIds(f.text))).toEqual(UTTERANCES);
    expect(warningCodes(done.events)).toEqual([]);
    expectJournalMatches(join(dir, 'journal'), done.events);
    expectAccountedOnce(fake!.accountedAudio(), speech.samples, { maxPad: dialect.maxPad });
  });

  it('waits for a slow service that answers pings, without reconnecting', async () => {
    const { done, speech } = await run({ slowEnd: (conn) => afterPings(conn, PINGS_BEFORE_ANSWER) });
    expect((await done.exited(30_000)).code).toBe(0);
    expect(fake!.connections).toHaveLength(1);
    const finals = printedFinals(done.events);
    expect(finals.map((f) => wordIds(f.text))).toEqual(UTTERANCES);
    expect(warningCodes(done.events)).toEqual([]);
    expectAccountedOnce(fake!.accountedAudio(), speech.samples, { maxPad: dialect.maxPad });
  });
});
