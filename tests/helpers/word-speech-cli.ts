import { join } from 'node:path';
import { expect } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import type { FakeConnection, FakeService } from '../fakes/fake-base.ts';
import type { SyntheticSpeech, SyntheticWord } from '../fakes/word-audio.ts';
import { startCli, type CliProcess } from './cli-process.ts';
import type { PrintedFinal } from './transcript-checks.ts';
import { within } from './wait.ts';

/**
 * The end-to-end checks shared by the per-dialect tests whose fakes recognise square-wave words
 * (tests/fakes/word-audio.ts): OpenAI with server VAD, Deepgram, AssemblyAI, Speaches, Riva. Each runs
 * `bin/earshot transcribe` over a WAV at the rate the service expects, so the fake's ledger can
 * be compared with the file sample for sample.
 */
export interface DialectCli {
  readonly provider: string;
  /**
   * The key and the variable holding it, named with --api-key-env since the fake is not the
   * provider's host. Absent for a server the person runs without a key (Speaches, Riva).
   */
  readonly apiKey?: { readonly env: string; readonly value: string };
  readonly extra?: readonly string[];
}

/** Writes `speech` as a WAV in `dir` and starts `earshot transcribe` on it against `url`. */
export async function transcribeSpeech(
  dir: string,
  speech: SyntheticSpeech,
  url: string,
  dialect: DialectCli,
  extra: readonly string[] = ['--fast'],
): Promise<CliProcess> {
  const wav = join(dir, 'speech.wav');
  await writeWav(wav, { sampleRate: speech.sampleRate, channels: 1, samples: speech.samples });
  return startCli(
    [
      'transcribe',
      ...['--provider', dialect.provider, '--url', url],
      ...(dialect.apiKey ? ['--api-key-env', dialect.apiKey.env] : []),
      ...(dialect.extra ?? []),
      ...['--input', wav, '--format', 'jsonl', '--journal-dir', join(dir, 'journal')],
      ...extra,
    ],
    { ...(dialect.apiKey ? { [dialect.apiKey.env]: dialect.apiKey.value } : {}), XDG_DATA_HOME: join(dir, 'data') },
  );
}

/**
 * The service accounted for the audio once, in order, sample for sample: the first `samples`
 * (all of them unless `atLeast` says how many a stream that stopped early must have covered), then
 * only zeros (an adapter's padding of its last message), at most `maxPad` of them.
 */
export function expectAccountedOnce(
  accounted: Int16Array,
  samples: Int16Array,
  { maxPad = 0, atLeast = samples.length }: { maxPad?: number; atLeast?: number } = {},
): void {
  const shared = Math.min(accounted.length, samples.length);
  let same = 0;
  while (same < shared && accounted[same] === samples[same]) same++;
  expect(same, 'samples accounted as in the file, from the start (nothing lost, nothing twice)').toBeGreaterThanOrEqual(
    atLeast,
  );
  expect(
    accounted.subarray(same).every((s) => s === 0),
    'after the file, only silence',
  ).toBe(true);
  expect(accounted.length - same, 'padding after the audio').toBeLessThanOrEqual(maxPad);
}

/** Each final starts exactly where its utterance's first word starts, on the session's clock, and ends after. */
export function expectFinalsStartAtUtterances(
  finals: readonly { readonly [key: string]: unknown }[],
  speech: SyntheticSpeech,
  utterances: readonly (readonly number[])[],
): void {
  const firstWords = utterances.map((u) => speech.words.find((w) => w.id === u[0])!);
  expect(finals.map((f) => Math.round(Number(f['startMs'])))).toEqual(firstWords.map((w) => w.startMs));
  for (const f of finals) expect(Number(f['endMs'])).toBeGreaterThan(Number(f['startMs']));
}

/** The words of a printed final, read back as word ids ("W13 w14 w15." → 13, 14, 15). */
export function wordIds(text: string): number[] {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => Number(/^w(\d+)\.?$/i.exec(w)?.[1] ?? Number.NaN));
}

/**
 * Every final on the session's clock: it starts at its first word (or up to `leadMs` before it:
 * a server that reports speech with its VAD's prefix padding) and ends at its last word's end,
 * or where the audio was cut (`cutMs`) if that comes first.
 */
export function expectFinalsAtTheirWords(
  finals: readonly PrintedFinal[],
  speech: SyntheticSpeech,
  { leadMs = 0, cutMs = Number.POSITIVE_INFINITY }: { leadMs?: number; cutMs?: number } = {},
): void {
  const byId = new Map<number, SyntheticWord>(speech.words.map((w) => [w.id, w]));
  for (const f of finals) {
    const ids = wordIds(f.text);
    const first = byId.get(ids[0]!)!;
    const last = byId.get(ids.at(-1)!)!;
    expect(f.startMs, `"${f.text}" starts at its first word`).toBeGreaterThanOrEqual(first.startMs - leadMs - 1);
    expect(f.startMs, `"${f.text}" starts at its first word`).toBeLessThanOrEqual(first.startMs + 1);
    expect(Math.abs(f.endMs - Math.min(last.endMs, cutMs)), `"${f.text}" ends at its last word`).toBeLessThanOrEqual(
      20,
    );
  }
}

/** The ids of the words that end before `ms`, in order. */
export function wordsBefore(speech: SyntheticSpeech, ms: number): number[] {
  return speech.words.filter((w) => w.endMs <= ms).map((w) => w.id);
}

/**
 * Sends the CLI SIGINT once the service has received `atSample` samples on its first connection:
 * the trigger is audio the server really got, not the CLI's output. Call it right after starting
 * the CLI (before it can connect); resolves with when the signal went, bounded by `timeoutMs`.
 */
export function sigintWhenHeard(fake: FakeService, cli: CliProcess, atSample: number): Promise<number> {
  const sent = new Promise<number>((resolve) => {
    fake.on('connection', (conn: FakeConnection) => {
      if (conn.index !== 1) return;
      const onMessage = (): void => {
        if (conn.audio.length < atSample) return;
        conn.ws.off('message', onMessage);
        cli.signal('SIGINT');
        resolve(performance.now());
      };
      conn.ws.on('message', onMessage);
    });
  });
  return within(sent, { what: `the service to receive ${atSample} samples`, timeoutMs: 30_000 });
}
