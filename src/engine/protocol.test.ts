import { describe, expect, it } from 'vitest';
import { decodePcm16 } from './protocol.ts';

const base64 = (samples: number[]): string => Buffer.from(new Int16Array(samples).buffer).toString('base64');

describe('decodePcm16', () => {
  it('decodes canonical base64 PCM16 (the fast path)', () => {
    expect(Array.from(decodePcm16(base64([1, -2, 32767, -32768])) as Int16Array)).toEqual([1, -2, 32767, -32768]);
    expect(Array.from(decodePcm16(base64([5, 6, 7])) as Int16Array)).toEqual([5, 6, 7]);
  });

  it('still accepts valid but non-canonical base64 (nonzero padding bits), as before the fast path', () => {
    // "AAB=" is two zero bytes with nonzero unused bits: it does not round-trip, yet is base64.
    expect(Array.from(decodePcm16('AAB=') as Int16Array)).toEqual([0]);
  });

  it('rejects what is not strict base64 or not PCM16', () => {
    expect(decodePcm16('AA-_')).toBe('audio is not valid base64.');
    expect(decodePcm16('AA A')).toBe('audio is not valid base64.');
    expect(decodePcm16('A=AA')).toBe('audio is not valid base64.');
    expect(decodePcm16('AAA')).toBe('audio is not valid base64.');
    expect(decodePcm16(42)).toBe('audio must be a base64 string of PCM16 samples.');
    expect(decodePcm16('AA==')).toBe('audio has 1 bytes; PCM16 needs an even number.');
  });
});
