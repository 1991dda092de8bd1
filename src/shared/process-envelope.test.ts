import { describe, expect, it } from 'vitest';
import { parseChildEnvelope } from './process-envelope.ts';

describe('parseChildEnvelope', () => {
  it('passes a protocol message through untouched (the fast path keeps typed arrays as they are)', () => {
    const samples = new Int16Array(4);
    const message = { type: 'frame', samples };
    const envelope = parseChildEnvelope({ message });
    expect(envelope).toEqual({ message });
    expect((envelope as { message: { samples: Int16Array } }).message.samples).toBe(samples);
  });

  it('reads control words and refuses anything outside the envelope', () => {
    expect(parseChildEnvelope({ control: { type: 'ready' } })).toEqual({ control: { type: 'ready' } });
    expect(parseChildEnvelope({ control: { type: 'log', level: 'loud', message: 'x' } })).toBeNull();
    expect(parseChildEnvelope({ message: {}, extra: 1 })).toBeNull();
    expect(parseChildEnvelope({ control: { type: 'ready' }, message: {} })).toBeNull();
    expect(parseChildEnvelope([{ message: {} }])).toBeNull();
    expect(parseChildEnvelope({})).toBeNull();
    expect(parseChildEnvelope('message')).toBeNull();
    expect(parseChildEnvelope(null)).toBeNull();
  });
});
