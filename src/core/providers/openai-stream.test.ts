import { describe, expect, it } from 'vitest';
import { createProvider } from './index.ts';
import type { ProviderEvent } from './types.ts';

/** What the stream's decoder makes of server frames, one after another. */
function decodeAll(frames: readonly (string | object)[]): ProviderEvent[] {
  const stream = createProvider({ id: 'local', url: 'ws://127.0.0.1:9', apiKey: 't' }).createStream();
  stream.encodeAudio(new Int16Array(16_000 * 3));
  return frames.flatMap((f) => [
    ...stream.decode(Buffer.from(typeof f === 'string' ? f : JSON.stringify(f)), false).events,
  ]);
}

describe('OpenAI-style stream: what it does with what it cannot use', () => {
  it('warns (PROVIDER_PROTOCOL) on a binary frame, bad JSON and a message without a type', () => {
    const stream = createProvider({ id: 'openai', apiKey: 'k' }).createStream();
    const warnings = [
      stream.decode(Buffer.from([1, 2]), true),
      stream.decode(Buffer.from('{"type":"conversation.item.input_audio_transcription.delta","item_id":"it'), false),
      stream.decode(Buffer.from('{"item_id":"x"}'), false),
    ].flatMap((d) => d.events);
    expect(warnings.map((w) => w.kind === 'warning' && w.code)).toEqual([
      'PROVIDER_PROTOCOL',
      'PROVIDER_PROTOCOL',
      'PROVIDER_PROTOCOL',
    ]);
  });

  it('ignores event types outside the transcription protocol', () => {
    expect(decodeAll([{ type: 'conversation.item.added', event_id: 'e', item: {} }])).toEqual([
      { kind: 'ignored', type: 'conversation.item.added' },
    ]);
  });

  it('warns and changes nothing when a known event lacks a field it acts on', () => {
    const events = decodeAll([
      { type: 'input_audio_buffer.committed', event_id: 'e1' },
      { type: 'conversation.item.input_audio_transcription.delta', event_id: 'e2', item_id: 'i1' },
      { type: 'conversation.item.input_audio_transcription.completed', item_id: 'i1' },
    ]);
    expect(events).toHaveLength(3);
    for (const e of events) expect(e).toMatchObject({ kind: 'warning', code: 'PROVIDER_PROTOCOL' });
    expect(events[0]).toMatchObject({ message: expect.stringContaining('item_id') as unknown });
    expect(events[2]).toMatchObject({ message: expect.stringContaining('transcript') as unknown });
  });

  it("keeps a final whose optional fields are odd, and the engine's well-formed words", () => {
    const events = decodeAll([
      {
        type: 'conversation.item.input_audio_transcription.completed',
        event_id: 'e',
        item_id: 'i1',
        content_index: 'zero',
        transcript: 'hello world',
        usage: { type: 'something new' },
        start_ms: 100,
        end_ms: 900,
        words: [
          { text: 'hello', start_ms: 100, end_ms: 400 },
          { text: 'world' },
          { text: 'world', start_ms: 500, end_ms: 900 },
        ],
      },
    ]);
    expect(events[0]).toEqual({
      kind: 'transcript',
      key: 'i1',
      text: 'hello world',
      isFinal: true,
      startMs: 100,
      endMs: 900,
      words: [
        { text: 'hello', startMs: 100, endMs: 400 },
        { text: 'world', startMs: 500, endMs: 900 },
      ],
    });
  });
});
