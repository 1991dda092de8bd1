import type { SessionSnapshot } from '../../src/shared/session.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import type { ProviderConfig } from '../../src/core/providers/types.ts';
import { Session, type SessionOptions } from '../../src/core/session/session.ts';
import { FakeAssemblyAi } from './fake-assemblyai.ts';
import type { FakeService, FaultPlan } from './fake-base.ts';
import { FakeDeepgram } from './fake-deepgram.ts';
import { FakeOpenAi } from './fake-openai.ts';
import { SyntheticSource } from './synthetic-source.ts';
import { synthesizeSpeech, type SyntheticSpeech } from './word-audio.ts';

/** One provider as the fault tests see it: how to start its fake and point a session at it. */
export interface ProviderUnderTest {
  readonly name: string;
  readonly rate: number;
  start(faults: FaultPlan): Promise<FakeService>;
  config(fake: FakeService, overrides?: Partial<ProviderConfig>): ProviderConfig;
  /** Zero samples the adapter may add at the very end (AssemblyAI's 50 ms minimum message). */
  readonly maxTailPaddingMs: number;
  /** The service documents a session limit and an expiry message (Deepgram does not). */
  readonly expires: boolean;
  /** An error event leaves the socket open (OpenAI-style) rather than closing it. */
  readonly errorKeepsSocket: boolean;
}

export const KEY = 'test-key-123';

export const PROVIDERS: readonly ProviderUnderTest[] = [
  {
    name: 'OpenAI Realtime (GA, 24 kHz)',
    rate: 24_000,
    start: (faults) => new FakeOpenAi({ apiKey: KEY, faults }).start(),
    config: (fake, o) => ({ id: 'openai', url: fake.url, apiKey: KEY, ...o }),
    maxTailPaddingMs: 0,
    expires: true,
    errorKeepsSocket: true,
  },
  {
    name: 'OpenAI-compatible (beta shape)',
    rate: 24_000,
    start: (faults) => new FakeOpenAi({ apiKey: KEY, shape: 'beta', faults }).start(),
    config: (fake, o) => ({ id: 'openai-compatible', url: fake.url, apiKey: KEY, ...o }),
    maxTailPaddingMs: 0,
    expires: true,
    errorKeepsSocket: true,
  },
  {
    name: 'embedded engine protocol (GA, 16 kHz extension)',
    rate: 16_000,
    start: (faults) => new FakeOpenAi({ apiKey: KEY, allowRate16k: true, faults }).start(),
    config: (fake, o) => ({ id: 'local', url: fake.url, apiKey: KEY, ...o }),
    maxTailPaddingMs: 0,
    expires: true,
    errorKeepsSocket: true,
  },
  {
    name: 'Deepgram',
    rate: 16_000,
    start: (faults) => new FakeDeepgram({ apiKey: KEY, faults }).start(),
    config: (fake, o) => ({ id: 'deepgram', url: fake.url, apiKey: KEY, ...o }),
    maxTailPaddingMs: 0,
    expires: false,
    errorKeepsSocket: false,
  },
  {
    name: 'AssemblyAI',
    rate: 16_000,
    start: (faults) => new FakeAssemblyAi({ apiKey: KEY, faults }).start(),
    config: (fake, o) => ({ id: 'assemblyai', url: fake.url, apiKey: KEY, ...o }),
    maxTailPaddingMs: 50,
    expires: true,
    errorKeepsSocket: false,
  },
];

/** Six utterances of four coded words each (ids 1–24), about 12 s of audio. */
export function standardSpeech(rate: number): SyntheticSpeech {
  const utterances = Array.from({ length: 6 }, (_, u) => [1, 2, 3, 4].map((w) => u * 4 + w));
  return synthesizeSpeech(rate, utterances);
}

export interface RunResult {
  readonly session: Session;
  readonly source: SyntheticSource;
  readonly events: TranscriptEvent[];
  readonly finals: TranscriptEvent[];
  readonly snapshots: SessionSnapshot[];
  readonly warnings: { code: string; message: string }[];
  readonly startError: unknown;
}

/** Rejects with a message naming what it waited for. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Streams `speech` through a session to the end of the audio, then stops (drains). */
export async function runSession(
  config: ProviderConfig,
  speech: SyntheticSpeech,
  options: { speed?: number; session?: Partial<SessionOptions> } = {},
): Promise<RunResult> {
  const source = new SyntheticSource(speech.sampleRate, speech.samples, options.speed ?? 20);
  const session = new Session({
    source,
    provider: config,
    heartbeatIntervalMs: 300,
    connectTimeoutMs: 3_000,
    backoff: { baseMs: 20, maxMs: 200 },
    drainTimeoutMs: 10_000,
    ...options.session,
  });
  const events: TranscriptEvent[] = [];
  const snapshots: SessionSnapshot[] = [];
  const warnings: { code: string; message: string }[] = [];
  session.on('transcript', (e) => events.push(e));
  session.on('snapshot', (s) => snapshots.push(s));
  session.on('warning', (w) => warnings.push(w));
  let startError: unknown = null;
  try {
    await within(session.start(), 15_000, 'the session to start streaming');
    const failed = new Promise<void>((resolve) => session.on('snapshot', (s) => s.state === 'error' && resolve()));
    await within(Promise.race([source.ended, failed]), 60_000, 'the synthetic source to end');
  } catch (error) {
    startError = error;
  }
  await within(session.stop(), 30_000, 'the session to drain and stop');
  return { session, source, events, finals: events.filter((e) => e.isFinal), snapshots, warnings, startError };
}

/** Words of the finals, lower-cased without punctuation, in order. */
export function finalWords(finals: readonly TranscriptEvent[]): string[] {
  return finals.flatMap((f) =>
    f.text
      .toLowerCase()
      .replace(/[^a-z0-9 ]/g, ' ')
      .split(/\s+/)
      .filter(Boolean),
  );
}
