import { describe, expect, it } from 'vitest';
import { spokenProgram } from '../../../../tests/fakes/spoken-program.ts';
import { requireSharedModels, VAD_MODEL } from '../../../../tests/helpers/paths.ts';
import { createProvider } from '../index.ts';
import type { ProviderEvent, ProviderStream, WireMessage } from '../types.ts';

requireSharedModels();

/** vLLM's failed generations (`processing_error`, no `done`): drained, sent once more, then given up. */
interface Wire {
  readonly type: string;
  readonly audio?: string;
  readonly final?: boolean;
}

const parse = (messages: readonly WireMessage[]): Wire[] => messages.map((m) => JSON.parse(m as string) as Wire);
const server = (stream: ProviderStream, message: object): { send: Wire[]; events: readonly ProviderEvent[] } => {
  const out = stream.decode(Buffer.from(JSON.stringify(message)), false);
  return { send: parse(out.send), events: out.events };
};
const audioOf = (wire: readonly Wire[]): string[] => wire.flatMap((m) => (m.audio ? [m.audio] : []));
const failure = { type: 'error', error: 'boom', code: 'processing_error' };
const done = { type: 'transcription.done', text: ' leftovers', usage: {} };

describe('vLLM generation failures', () => {
  it('sends the failed audio again once, and gives it up with a warning when it fails again', () => {
    const stream = createProvider({
      id: 'vllm',
      url: 'ws://127.0.0.1:1',
      model: 'voxtral',
      vadModelPath: VAD_MODEL,
    }).createStream();
    stream.onOpen();
    server(stream, { type: 'session.created', id: 's', created: 0 });
    // Half an utterance: the generation is open and has its audio.
    const program = spokenProgram(16_000, 1);
    const half = program.samples.subarray(0, Math.round((program.utterances[0]!.startSample * 3) / 2));
    const sent: Wire[] = [];
    for (let i = 0; i < half.length; i += 320) sent.push(...parse(stream.encodeAudio(half.subarray(i, i + 320))));
    expect(audioOf(sent).length).toBeGreaterThan(0);

    // Failure: a final commit then a plain one flush the server's queue; no audio meanwhile.
    const first = server(stream, failure);
    expect(first.send).toEqual([
      { type: 'input_audio_buffer.commit', final: true },
      { type: 'input_audio_buffer.commit' },
    ]);
    expect(first.events.map((e) => e.kind)).toEqual(['warning']);
    expect(parse(stream.encodeAudio(new Int16Array(320)))).toEqual([]);

    // The flush's done: its text is not shown; a new generation gets the same audio again, then what waited.
    const flushed = server(stream, done);
    expect(flushed.events.some((e) => e.kind === 'transcript' && e.isFinal)).toBe(false);
    expect(flushed.send[0]).toEqual({ type: 'input_audio_buffer.commit' });
    expect(audioOf(flushed.send).slice(0, audioOf(sent).length)).toEqual(audioOf(sent));
    expect(audioOf(flushed.send)).toHaveLength(audioOf(sent).length + 1);

    // A second failure of the same audio: flushed again, then given up, said, settled, its partial withdrawn.
    expect(server(stream, failure).send).toHaveLength(2);
    const given = server(stream, done);
    expect(given.events.map((e) => e.kind)).toEqual(['transcript', 'warning', 'settled']);
    expect(given.events[0]).toEqual({ kind: 'transcript', key: 'gen-0', text: '', isFinal: false });
    expect(given.events[1]).toMatchObject({ kind: 'warning', code: 'PROVIDER_ERROR' });
    expect(given.events[1]!.kind === 'warning' && given.events[1]!.message).toMatch(/failed twice/);
    expect(given.events[2]).toEqual({ kind: 'settled', untilSample: half.length + 320 });
    expect(given.send).toEqual([{ type: 'input_audio_buffer.commit' }]);
  });

  it('fails the session when the server keeps failing even the flush', () => {
    const stream = createProvider({
      id: 'vllm',
      url: 'ws://127.0.0.1:1',
      model: 'v',
      vadModelPath: VAD_MODEL,
    }).createStream();
    stream.onOpen();
    server(stream, { type: 'session.created', id: 's', created: 0 });
    for (let i = 0; i < 3; i++) expect(server(stream, failure).events.map((e) => e.kind)).toEqual(['warning']);
    expect(server(stream, failure).events.map((e) => e.kind)).toEqual(['fatal']);
  });
});
