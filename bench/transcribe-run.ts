import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dataPaths } from '../src/core/app/app-core.ts';
import { BIN_EARSHOT, STREAMING_TEST_MODEL, VAD_MODEL } from '../tests/helpers/paths.ts';
import { RssSampler } from './rss-sampler.ts';

/**
 * One `earshot transcribe` run (streaming test model, the embedded engine, journal in a data
 * folder's journals/), with the resident memory of its processes sampled throughout and every
 * final it prints collected by segment id.
 */
export interface TranscribeRun {
  /** Segment id → text of every final printed. */
  readonly finals: Map<string, string>;
  readonly sampler: RssSampler;
  readonly pid: number;
  /** Resolves once the session says `streaming`. */
  readonly streaming: Promise<void>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  stderr(): string;
  /** Ctrl+C: drain and exit. */
  interrupt(): void;
  kill(): void;
}

interface Line {
  readonly type?: string;
  readonly state?: string;
  readonly segmentId?: string;
  readonly text?: string;
  readonly endMs?: number;
}

export interface TranscribeRunOptions {
  /** The input: `['--input', wav, '--fast']` or `['--device', key]`. */
  readonly input: readonly string[];
  readonly dataDir: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly sampleEveryMs: number;
  /** Memory counts as warmed up once a final ends past this much audio. */
  readonly warmupAudioMs: number;
  readonly startTimeoutMs?: number;
}

export function startTranscribe(options: TranscribeRunOptions): TranscribeRun {
  const child = spawn(
    process.execPath,
    [
      BIN_EARSHOT,
      'transcribe',
      ...options.input,
      '--format',
      'jsonl',
      '--model-dir',
      STREAMING_TEST_MODEL,
      '--vad-model',
      VAD_MODEL,
      '--journal-dir',
      dataPaths(options.dataDir).journals,
    ],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8');
  // Keep only the tail: hours of warnings must not grow the bench's own memory.
  child.stderr.on('data', (text: string) => {
    stderr.push(text);
    if (stderr.length > 200) stderr.splice(0, stderr.length - 200);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const sampler = new RssSampler(child.pid!, options.sampleEveryMs);
  void exited.then(() => sampler.stop());
  const finals = new Map<string, string>();
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const streaming = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no 'streaming' within ${timeoutMs} ms: ${stderr.join('')}`)),
      timeoutMs,
    );
    void exited.then((code) => reject(new Error(`transcribe exited (${code}) before streaming: ${stderr.join('')}`)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as Line;
      if (line.type === 'state' && line.state === 'streaming') {
        clearTimeout(timer);
        resolve();
      }
      if (line.type === 'final' && line.segmentId !== undefined) {
        if (finals.has(line.segmentId)) throw new Error(`final ${line.segmentId} printed twice`);
        finals.set(line.segmentId, line.text ?? '');
        if ((line.endMs ?? 0) >= options.warmupAudioMs) sampler.markWarm();
      }
    });
  });
  return {
    finals,
    sampler,
    pid: child.pid!,
    streaming,
    exited,
    stderr: () => stderr.join(''),
    interrupt: () => child.kill('SIGINT'),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
