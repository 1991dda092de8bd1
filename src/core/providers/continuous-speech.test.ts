import { describe, expect, it } from 'vitest';
import { spokenProgram } from '../../../tests/fakes/spoken-program.ts';
import { requireSharedModels, VAD_MODEL } from '../../../tests/helpers/paths.ts';
import { MAX_TURN_MS } from '../turns/turn-detector.ts';
import { createProvider } from './index.ts';
import type { ProviderStream, WireMessage } from './types.ts';

requireSharedModels();

/**
 * Someone reads for a minute without a pause: the client-side turn paths (OpenAI no-VAD models,
 * vLLM) still close a turn at least every MAX_TURN_MS, so what the server holds unsettled (and
 * a replay after a drop) stays bounded, and every sample still goes out once, in order.
 */
interface Wire {
  readonly type: string;
  readonly audio?: string;
  readonly final?: boolean;
}

/** ~60 s of real speech, the clips' own silences trimmed: no pause long enough to end a turn. */
function continuous(rate: number): Int16Array {
  const program = spokenProgram(rate, 28, { pauseMs: 0, leadMs: 300, tailMs: 0, trim: true });
  expect(program.samples.length / rate).toBeGreaterThan(55);
  return program.samples;
}

/** Plays the audio in 20 ms frames; `answer` stands in for the server. Returns the commit points and the audio sent. */
function play(
  stream: ProviderStream,
  samples: Int16Array,
  rate: number,
  isCommit: (m: Wire) => boolean,
  answer: (m: Wire) => WireMessage[],
): { commits: number[]; sent: Int16Array } {
  const chunks: Int16Array[] = [];
  const commits: number[] = [];
  let sent = 0;
  const read = (messages: readonly WireMessage[]): void => {
    for (const raw of messages) {
      const m = JSON.parse(raw as string) as Wire;
      if (m.audio) {
        const bytes = Buffer.from(m.audio, 'base64');
        chunks.push(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2));
        sent += bytes.length / 2;
      }
      if (isCommit(m)) commits.push(sent);
      for (const reply of answer(m)) read(stream.decode(Buffer.from(reply as string), false).send);
    }
  };
  read(stream.onOpen().send);
  const frame = rate / 50;
  for (let i = 0; i < samples.length; i += frame) read(stream.encodeAudio(samples.subarray(i, i + frame)));
  read(stream.end());
  const out = new Int16Array(sent);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { commits, sent: out };
}

function expectBounded(commits: readonly number[], samples: Int16Array, sent: Int16Array, rate: number): void {
  expect(Buffer.from(sent.buffer).equals(Buffer.from(samples.buffer))).toBe(true);
  // MAX_TURN_MS is 15 s: a minute makes at least three cuts, none more than the limit apart.
  expect(MAX_TURN_MS).toBe(15_000);
  expect(commits.length).toBeGreaterThanOrEqual(3);
  const points = [0, ...commits];
  for (let i = 1; i < points.length; i++) expect(points[i]! - points[i - 1]!).toBeLessThan(16 * rate);
}

describe('a minute of speech without a pause', () => {
  it('OpenAI gpt-realtime-whisper: a commit at least every MAX_TURN_MS, every sample once', () => {
    const stream = createProvider({
      id: 'openai',
      apiKey: 'sk',
      model: 'gpt-realtime-whisper',
      vadModelPath: VAD_MODEL,
    }).createStream();
    const samples = continuous(24_000);
    const { commits, sent } = play(
      stream,
      samples,
      24_000,
      (m) => m.type === 'input_audio_buffer.commit',
      () => [],
    );
    expectBounded(commits, samples, sent, 24_000);
  });

  it('vLLM: a generation closed at least every MAX_TURN_MS, every sample once', () => {
    const stream = createProvider({
      id: 'vllm',
      url: 'ws://127.0.0.1:1',
      model: 'voxtral',
      vadModelPath: VAD_MODEL,
    }).createStream();
    const samples = continuous(16_000);
    const { commits, sent } = play(
      stream,
      samples,
      16_000,
      (m) => m.type === 'input_audio_buffer.commit' && m.final === true,
      (m) => {
        if (m.type !== 'input_audio_buffer.commit' || m.final !== true) return [];
        // The server answers the final commit; the dialect starts the next generation in reply.
        return [JSON.stringify({ type: 'transcription.done', text: '', usage: {} })];
      },
    );
    expectBounded(commits, samples, sent, 16_000);
  });
});
