import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeWav } from '../../src/core/sources/wav.ts';
import { readJournal } from '../../src/core/transcript/journal-reader.ts';
import { FakeOpenAi } from '../fakes/fake-openai.ts';
import { KEY, standardSpeech, within } from '../fakes/session-harness.ts';
import { BIN_EARSHOT, ESPEAK_HELDOUT_DIR, OFFLINE_TEST_MODEL, requireSharedModels } from '../helpers/paths.ts';
import { waitForExit } from '../helpers/process-events.ts';

/** `bin/earshot transcribe` as a real child process. */
interface Run {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
  /** Resolves with the first stdout line passing `accept`. */
  line(accept: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
}

let dir: string;
const children: ChildProcess[] = [];
const fakes: FakeOpenAi[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-transcribe-'));
});
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

function transcribe(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN_EARSHOT, 'transcribe', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const waiters: { accept: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (!w.accept(line)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => err,
    exit,
    line: (accept, what, timeoutMs = 20_000) => {
      const found = lines.find(accept);
      if (found) return Promise.resolve(found);
      return within(new Promise<string>((resolve) => waiters.push({ accept, resolve })), timeoutMs, what);
    },
  };
}

const parse = (lines: string[]): Record<string, unknown>[] =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>);

async function fakeWithSpeech(): Promise<{ fake: FakeOpenAi; wav: string }> {
  const fake = await new FakeOpenAi({ apiKey: KEY }).start();
  fakes.push(fake);
  const speech = standardSpeech(24_000);
  const wav = join(dir, 'speech.wav');
  await writeWav(wav, { sampleRate: 24_000, channels: 1, samples: speech.samples });
  return { fake, wav };
}

describe('earshot transcribe', () => {
  it('transcribes a held-out WAV with the real embedded engine (--fast --format jsonl)', async () => {
    requireSharedModels();
    const [file, reference] = readFileSync(join(ESPEAK_HELDOUT_DIR, 'transcripts.tsv'), 'utf8')
      .split('\n')[0]!
      .split('\t');
    const run = transcribe([
      '--input',
      join(ESPEAK_HELDOUT_DIR, file!),
      '--fast',
      '--format',
      'jsonl',
      '--model-dir',
      OFFLINE_TEST_MODEL,
      '--journal-dir',
      dir,
    ]);
    expect(await within(run.exit, 60_000, 'transcribe to exit')).toBe(0);
    const events = parse(run.lines);
    expect(events.filter((e) => e['type'] === 'state').map((e) => e['state'])).toEqual([
      'starting',
      'streaming',
      'stopping',
      'idle',
    ]);
    const finals = events.filter((e) => e['type'] === 'final');
    expect(finals.length).toBeGreaterThanOrEqual(1);
    for (const f of finals) {
      expect(typeof f['segmentId']).toBe('string');
      expect(f['startMs']).toBeLessThan(f['endMs'] as number);
    }
    // The test model is weak (39.7% WER), so: most reference words come out, in order.
    const heard = finals
      .map((f) => f['text'] as string)
      .join(' ')
      .split(/\s+/);
    const expected = reference!.trim().split(/\s+/);
    expect(expected.filter((w) => heard.includes(w)).length / expected.length).toBeGreaterThanOrEqual(0.5);
    // The journal of that session holds the same finals.
    const journals = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(journals).toHaveLength(1);
    expect(readJournal(join(dir, journals[0]!))!.segments.map((s) => s.text)).toEqual(finals.map((f) => f['text']));
  });

  it('journals every final printed before kill -9, and the next start recovers the session', async () => {
    const { fake, wav } = await fakeWithSpeech();
    const args = [
      '--provider',
      'openai-compatible',
      '--url',
      fake.url,
      '--api-key-env',
      'OPENAI_API_KEY',
      '--format',
      'jsonl',
      '--journal-dir',
      dir,
    ];
    const run = transcribe([...args, '--input', wav, '--realtime'], { OPENAI_API_KEY: KEY });
    let finals = 0;
    await run.line((l) => l.includes('"type":"final"') && ++finals === 2, 'the second final line');
    run.child.kill('SIGKILL');
    await within(run.exit, 5_000, 'the killed process to exit');
    const printed = parse(run.lines).filter((e) => e['type'] === 'final');
    const sessionId = parse(run.lines).find((e) => e['type'] === 'state')!['sessionId'] as string;
    const journal = readJournal(join(dir, `${sessionId}.jsonl`))!;
    expect(journal.endedAt).toBeNull(); // it never stopped cleanly
    expect(journal.segments.map((s) => [s.segmentId, s.text])).toEqual(printed.map((e) => [e['segmentId'], e['text']]));

    // Next start: the interrupted session is recovered and reported first.
    const next = transcribe([...args, '--input', wav, '--fast'], { OPENAI_API_KEY: KEY });
    expect(await within(next.exit, 30_000, 'the second run to exit')).toBe(0);
    expect(parse(next.lines)[0]).toEqual({
      type: 'recovered',
      sessionId,
      finals: printed.length,
      path: join(dir, `${sessionId}.jsonl`),
    });
    const sealed = readJournal(join(dir, `${sessionId}.jsonl`))!;
    expect(sealed.recovered).toBe(true);
    expect(sealed.segments).toEqual(journal.segments);
  });

  it('drains and exits 0 on SIGINT, printing one line per final in text mode', async () => {
    const { fake, wav } = await fakeWithSpeech();
    const run = transcribe(
      [
        '--provider',
        'openai-compatible',
        '--url',
        fake.url,
        '--api-key-env',
        'OPENAI_API_KEY',
        '--input',
        wav,
        '--journal-dir',
        dir,
      ],
      { OPENAI_API_KEY: KEY },
    );
    await run.line((l) => l === 'w1 w2 w3 w4', 'the first final line');
    run.child.kill('SIGINT');
    expect(await within(run.exit, 15_000, 'transcribe to drain and exit')).toBe(0);
    expect(run.lines[0]).toBe('w1 w2 w3 w4');
    expect(run.lines.every((l) => /^(w\d+ ?)+$/.test(l))).toBe(true);
    expect(run.stderr()).toMatch(/transcript journal: .*\.jsonl/);
    const journal = readJournal(
      join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.jsonl'))!,
      ),
    )!;
    expect(journal.endedAt).not.toBeNull();
    expect(journal.segments.map((s) => s.text)).toEqual(run.lines);
  });

  it('stops after --seconds of audio and serves live captions with --captions-port', async () => {
    const { fake, wav } = await fakeWithSpeech();
    const run = transcribe(
      [
        '--provider',
        'openai-compatible',
        '--url',
        fake.url,
        '--api-key-env',
        'OPENAI_API_KEY',
        '--input',
        wav,
        '--realtime',
        '--seconds',
        '2',
        '--captions-port',
        '0',
        '--format',
        'jsonl',
        '--journal-dir',
        dir,
      ],
      {
        OPENAI_API_KEY: KEY,
      },
    );
    const overlay = await within(
      new Promise<RegExpExecArray>((resolve) =>
        run.child.stderr!.on('data', () => {
          const m = /WebSocket (ws:\/\/\S+), token (\S+)\)/.exec(run.stderr());
          if (m) resolve(m);
        }),
      ),
      15_000,
      'the captions URL on stderr',
    );
    const messages: string[] = [];
    const ws = new WebSocket(`${overlay[1]}?token=${overlay[2]}`);
    ws.on('message', (data: Buffer) => messages.push(data.toString('utf8')));
    ws.on('error', () => undefined);
    expect(await within(run.exit, 20_000, 'transcribe to stop after 2 s of audio')).toBe(0);
    ws.close();
    const finals = parse(run.lines)
      .filter((e) => e['type'] === 'final')
      .map((e) => e['text']);
    expect(finals).toEqual(['w1 w2 w3 w4']); // the second utterance starts at 2.42 s
    expect(messages.some((m) => m.includes('w1 w2 w3 w4'))).toBe(true);
  });

  it('explains bad usage and failures with error[CODE]', async () => {
    const usage = transcribe(['--input', 'x.wav', '--realtime', '--fast']);
    expect(await within(usage.exit, 10_000, 'exit')).toBe(2);
    expect(usage.stderr()).toMatch(/^error\[USAGE\]: --realtime and --fast exclude each other/);

    const provider = transcribe(['--provider', 'whisper']);
    expect(await within(provider.exit, 10_000, 'exit')).toBe(2);
    expect(provider.stderr()).toMatch(/error\[USAGE\]: --provider must be one of/);

    const key = transcribe(['--provider', 'deepgram', '--input', 'x.wav', '--journal-dir', dir], {
      DEEPGRAM_API_KEY: '',
    });
    expect(await within(key.exit, 10_000, 'exit')).toBe(1);
    expect(key.stderr()).toMatch(/error\[PROVIDER_KEY_MISSING\]: No API key: set DEEPGRAM_API_KEY/);

    const { fake } = await fakeWithSpeech();
    const missing = transcribe([
      '--provider',
      'openai-compatible',
      '--url',
      fake.url,
      '--input',
      join(dir, 'nope.wav'),
      '--journal-dir',
      dir,
    ]);
    expect(await within(missing.exit, 10_000, 'exit')).toBe(1);
    expect(missing.stderr()).toMatch(/error\[INPUT_NOT_FOUND\]/);

    const auth = transcribe(
      [
        '--provider',
        'openai-compatible',
        '--url',
        fake.url,
        '--api-key-env',
        'OPENAI_API_KEY',
        '--input',
        join(dir, 'speech.wav'),
        '--fast',
        '--journal-dir',
        dir,
      ],
      { OPENAI_API_KEY: 'wrong' },
    );
    expect(await within(auth.exit, 15_000, 'exit')).toBe(1);
    expect(auth.stderr()).toMatch(/error\[PROVIDER_AUTH_FAILED\]/);
    if (auth.child.pid) await waitForExit(auth.child.pid, 'the failed transcribe');
  });
});
