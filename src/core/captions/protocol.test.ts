import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { encodeMessage, isClientPing, textFrame, toWireSegment } from './protocol.ts';

/** ws's own frame parser, as a client uses it: our hand-made frames must parse exactly. */
interface Receiver extends EventEmitter {
  write(chunk: Buffer): boolean;
}
const ReceiverClass = (
  createRequire(import.meta.url)('ws') as { Receiver: new (options: { isServer: boolean }) => Receiver }
).Receiver;

function parse(frame: Buffer): { text: string; isBinary: boolean } {
  const receiver = new ReceiverClass({ isServer: false });
  let result: { text: string; isBinary: boolean } | undefined;
  receiver.on('message', (data: Buffer, isBinary: boolean) => (result = { text: data.toString('utf8'), isBinary }));
  receiver.on('error', (error: Error) => {
    throw error;
  });
  receiver.write(frame);
  if (!result) throw new Error('the frame did not parse into a message');
  return result;
}

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 1000, 65_535, 65_536, 200_000])(
    'frames a %i-byte payload the way ws parses it',
    (length) => {
      const payload = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
      const bytes = Buffer.from(payload, 'utf8');
      const frame = textFrame(bytes);
      expect(parse(frame)).toEqual({ text: payload, isBinary: false });
      expect(frame.length - bytes.length).toBe(length < 126 ? 2 : length < 65_536 ? 4 : 10);
    },
  );
});

describe('encodeMessage and toWireSegment', () => {
  it('encodes a segment with snake_case fields and null for unknown times', () => {
    const wire = toWireSegment({ segmentId: 'a1', text: 'héllo "world"', isFinal: false, startMs: 120 });
    const { text } = parse(encodeMessage({ type: 'segment', ...wire }));
    expect(JSON.parse(text)).toEqual({
      type: 'segment',
      id: 'a1',
      text: 'héllo "world"',
      final: false,
      start_ms: 120,
      end_ms: null,
    });
  });

  it('a meeting segment says who spoke (source), a microphone-only one stays as it was', () => {
    const wire = toWireSegment({ segmentId: 'system-seg-1', text: 'hi', isFinal: true, source: 'system' });
    expect(JSON.parse(parse(encodeMessage({ type: 'segment', ...wire })).text)).toMatchObject({
      source: 'system',
      speaker: 'Others',
    });
    const mic = toWireSegment({ segmentId: 'm', text: 'hi', isFinal: true });
    expect(mic).not.toHaveProperty('source');
    expect(mic).not.toHaveProperty('speaker');
  });

  it('a meeting segment carries the speaker name the person set', () => {
    const wire = toWireSegment(
      { segmentId: 's', text: 'hi', isFinal: true, source: 'mic' },
      { mic: 'Ana', system: 'Team' },
    );
    expect(wire).toMatchObject({ source: 'mic', speaker: 'Ana' });
  });
});

describe('isClientPing', () => {
  it('recognises only a small JSON {type:"ping"} text message', () => {
    expect(isClientPing(Buffer.from('{"type":"ping"}'), false)).toBe(true);
    expect(isClientPing(Buffer.from('{"type":"ping"}'), true)).toBe(false);
    expect(isClientPing(Buffer.from('{"type":"pong"}'), false)).toBe(false);
    expect(isClientPing(Buffer.from('ping'), false)).toBe(false);
    expect(isClientPing(Buffer.from('null'), false)).toBe(false);
    expect(isClientPing(Buffer.from(`{"type":"ping","pad":"${'x'.repeat(100)}"}`), false)).toBe(false);
  });
});
