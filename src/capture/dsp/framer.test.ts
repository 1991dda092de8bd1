import { describe, expect, it } from 'vitest';
import { samplesPerFrame } from '../../shared/audio-frame.ts';
import { floatToPcm16, Framer } from './framer.ts';

describe('Framer', () => {
  it('emits exact 20 ms frames at 16 and 24 kHz whatever the chunk sizes', () => {
    for (const rate of [16000, 24000]) {
      const sizes: number[] = [];
      const framer = new Framer(samplesPerFrame(rate), (samples) => sizes.push(samples.length));
      for (const chunk of [1, 7, 441, 480, 1000, 3]) framer.push(new Float32Array(chunk));
      expect(new Set(sizes)).toEqual(new Set([rate / 50]));
      expect(sizes.length * (rate / 50) + framer.pendingSamples).toBe(1 + 7 + 441 + 480 + 1000 + 3);
    }
  });

  it('loses or duplicates no sample over 10 minutes of input fed at full speed', () => {
    const rate = 16000;
    const total = rate * 600;
    // A counter encoded as PCM16 values: sample n carries (n mod 65536) - 32768.
    const valueAt = (n: number): number => (n % 65536) - 32768;
    let expectedNext = 0;
    let frames = 0;
    let mismatches = 0;
    const framer = new Framer(samplesPerFrame(rate), (samples, index) => {
      if (index !== frames) mismatches++;
      for (const s of samples) if (s !== valueAt(expectedNext++)) mismatches++;
      frames++;
    });
    // Chunk sizes vary like device callbacks do (odd sizes straddle frame edges).
    const chunkSizes = [160, 441, 1, 333, 512, 1024, 97];
    let fed = 0;
    for (let k = 0; fed < total; k++) {
      const size = Math.min(chunkSizes[k % chunkSizes.length]!, total - fed);
      const chunk = new Float32Array(size);
      for (let i = 0; i < size; i++) chunk[i] = valueAt(fed + i) / 32768;
      framer.push(chunk);
      fed += size;
    }
    expect(mismatches).toBe(0);
    expect(frames).toBe(total / samplesPerFrame(rate));
    expect(expectedNext).toBe(total);
    expect(framer.pendingSamples).toBe(0);
  });

  it('flushes a partial frame padded with silence, and only once', () => {
    const frames: Int16Array[] = [];
    const framer = new Framer(4, (s) => frames.push(s));
    framer.push(Float32Array.from([0.5, -0.5]));
    expect(framer.flush()).toBe(true);
    expect(framer.flush()).toBe(false);
    expect(Array.from(frames[0]!)).toEqual([16384, -16384, 0, 0]);
  });

  it('clamps at full scale instead of wrapping', () => {
    expect(floatToPcm16(1.5)).toBe(32767);
    expect(floatToPcm16(-1.5)).toBe(-32768);
    expect(floatToPcm16(-1)).toBe(-32768);
  });

  it('refuses a frame length that is not a positive integer', () => {
    expect(() => new Framer(0, () => {})).toThrow(RangeError);
    expect(() => new Framer(320.5, () => {})).toThrow(RangeError);
  });
});
