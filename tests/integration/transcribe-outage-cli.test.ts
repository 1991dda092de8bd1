import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import { readJournal } from '../../src/core/transcript/journal-reader.ts';
import type { FakeConnection } from '../fakes/fake-base.ts';
import { FakeDeepgram } from '../fakes/fake-deepgram.ts';
import { KEY } from '../fakes/session-harness.ts';
import { synthesizeSpeech, wordText } from '../fakes/word-audio.ts';
import { startCli, type CliProcess } from '../helpers/cli-process.ts';
import { OutageProxy } from '../helpers/outage-proxy.ts';
import { waitUntil } from '../helpers/wait.ts';

/**
 * Issue 14's first fault, end to end: `bin/earshot transcribe --fast --provider deepgram` as a
 * real child process, talking to the fake Deepgram through a TCP relay. Mid-utterance the relay's
 * listening socket closes (connects refused, the live connection cut) and stays closed for a real
 * 90 s; then it listens again on the same port. The CLI's own settings are used (backoff capped
 * at 10 s), so the whole test takes the outage plus at most one backoff and the catch-up (about 95 s).
 */
const OUTAGE_MS = 90_000;
const RATE = 16_000;
// 9 long utterances of 80 words (ids cycle through the 200 the fake tells apart), about 168 s of
// audio. Long, so a cut a few words into one still falls inside it with audio in flight; and
// long enough that the file cannot end during the outage: --fast holds the file back while more
// than 30 s wait for the service (letting 0.5 s through every 2 s), about 55 s over 90 s.
const WORDS_PER_UTTERANCE = 80;
const UTTERANCES = Array.from({ length: 9 }, (_, u) =>
  Array.from({ length: WORDS_PER_UTTERANCE }, (_, w) => ((u * WORDS_PER_UTTERANCE + w) % 200) + 1),
);
const ALL_WORDS = UTTERANCES.flat().map(wordText);

let dir: string;
let fake: FakeDeepgram | null = null;
let proxy: OutageProxy | null = null;
let cli: CliProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-transcribe-outage-'));
});
afterEach(async () => {
  await cli?.cleanup();
  await proxy?.down(0);
  await fake?.close();
  cli = null;
  proxy = null;
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once `pattern` shows up on the CLI's stderr (re-checked on every chunk it writes). */
function stderrShows(run: CliProcess, pattern: RegExp, what: string, timeoutMs: number): Promise<void> {
  const shown = waitUntil(
    () => {
      if (pattern.test(run.stderr())) return true;
      if (run.child.exitCode !== null) throw new Error(`bin/earshot exited before ${what}; stderr:\n${run.stderr()}`);
      return false;
    },
    {
      what,
      timeoutMs,
      changes: (notify) => {
        run.child.stderr?.on('data', notify);
        run.child.on('exit', notify);
        return () => {
          run.child.stderr?.off('data', notify);
          run.child.off('exit', notify);
        };
      },
    },
  );
  return shown.then(() => undefined);
}

/** What a client connecting to `port` right now gets: 'refused' while the outage lasts. */
function tryConnect(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error),
    );
  });
}

describe('earshot transcribe through a 90 s outage of a cloud provider', () => {
  it('exits 0 with every sample accounted for once and every final printed once, in order', async () => {
    fake = await new FakeDeepgram({ apiKey: KEY }).start();
    proxy = new OutageProxy(fake.port);
    await proxy.up();
    const speech = synthesizeSpeech(RATE, UTTERANCES);
    const wav = join(dir, 'speech.wav');
    await writeWav(wav, { sampleRate: RATE, channels: 1, samples: speech.samples });

    // Mid-utterance: the service has heard the first three words of utterance 2, then the network
    // goes. The trigger is the audio the service received, not the CLI's (later) output.
    const second = speech.words.slice(WORDS_PER_UTTERANCE, 2 * WORDS_PER_UTTERANCE);
    const cutAt = second[2]!.endMs * (RATE / 1000);
    const live = { downAt: 0, upAt: 0 };
    const connectedAt: number[] = [];
    fake.on('connection', (conn: FakeConnection) => {
      connectedAt.push(performance.now());
      if (conn.index !== 1) return;
      conn.ws.on('message', () => {
        if (live.downAt > 0 || conn.audio.length < cutAt) return;
        live.downAt = performance.now();
        void proxy!.down();
      });
    });

    const journalDir = join(dir, 'journal');
    cli = startCli(
      [
        'transcribe',
        '--input',
        wav,
        '--fast',
        '--provider',
        'deepgram',
        '--url',
        `ws://127.0.0.1:${proxy.port}/v1/listen`,
        // The relay is not Deepgram's own host: its key goes there only when named.
        '--api-key-env',
        'DEEPGRAM_API_KEY',
        '--journal-dir',
        journalDir,
      ],
      { DEEPGRAM_API_KEY: KEY },
    );

    // During the outage: connects are refused, and the CLI says it is offline and still recording.
    await stderrShows(cli, /Offline — still recording, \d+ s buffered/, 'the offline status line', 30_000);
    expect(live.downAt).toBeGreaterThan(0);
    expect(proxy.isUp).toBe(false);
    expect(await tryConnect(proxy.port)).toBe('refused');
    // The outage lasts its full length in real time: this timer is the fault, not a wait for the CLI.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, live.downAt + OUTAGE_MS - performance.now())));
    expect(await tryConnect(proxy.port)).toBe('refused');
    await proxy.up();
    live.upAt = performance.now();

    // Back: the CLI says so, catches up and exits 0 at the end of the file.
    await stderrShows(cli, /note: the service is back/, 'the back-online note', 30_000);
    expect((await cli.exited(30_000)).code).toBe(0);

    // Nobody reached the service while it was unreachable; the CLI reconnected once it was back.
    expect(live.upAt - live.downAt).toBeGreaterThanOrEqual(OUTAGE_MS);
    expect(connectedAt.filter((t) => t > live.downAt && t < live.upAt)).toEqual([]);
    expect(connectedAt.length).toBeGreaterThanOrEqual(2);
    // The cut fell inside utterance 2: the first connection heard part of it and no more.
    const heard = fake.connections[0]!.audio.length / (RATE / 1000);
    expect(heard).toBeGreaterThan(second[0]!.startMs);
    expect(heard).toBeLessThan(second.at(-1)!.endMs);

    // Sample for sample: the service accounted for the whole file once, nothing missing, nothing twice.
    const accounted = fake.accountedAudio();
    expect(accounted.length).toBe(speech.samples.length);
    expect(
      Buffer.compare(Buffer.from(accounted.buffer, 0, accounted.byteLength), Buffer.from(speech.samples.buffer)),
    ).toBe(0);

    // Every final printed once, in audio order: together they are the input's words, each once.
    const printed = cli.otherLines;
    expect(printed.join(' ').split(/\s+/)).toEqual(ALL_WORDS);
    // The journal holds the same finals, each under its own id, and is sealed.
    const journals = readdirSync(journalDir).filter((f) => f.endsWith('.jsonl'));
    expect(journals).toHaveLength(1);
    const journal = readJournal(join(journalDir, journals[0]!))!;
    expect(journal.segments.map((s) => s.text)).toEqual(printed);
    expect(new Set(journal.segments.map((s) => s.segmentId)).size).toBe(journal.segments.length);
    expect(journal.endedAt).not.toBeNull();
    expect(cli.stderr()).not.toMatch(/error\[/);
    // It kept trying all along, far past the old limit of ten attempts (the session's log lines).
    const attempts = [...cli.stderr().matchAll(/"attempt":(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(...attempts)).toBeGreaterThan(10);
  }, 150_000);
});
