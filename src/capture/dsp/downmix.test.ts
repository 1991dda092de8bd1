import { describe, expect, it } from 'vitest';
import { downmixToMono } from './downmix.ts';

describe('downmixToMono', () => {
  it('scales mono PCM16 to floats in [-1, 1)', () => {
    const mono = downmixToMono(Int16Array.from([0, 16384, -32768, 32767]), 1);
    expect(Array.from(mono)).toEqual([0, 0.5, -1, 32767 / 32768]);
  });

  it('averages the channels of each interleaved frame', () => {
    const stereo = Int16Array.from([16384, 0, -16384, -16384, 32767, -32768]);
    expect(Array.from(downmixToMono(stereo, 2))).toEqual([0.25, -0.5, -1 / 65536]);
  });

  it('ignores a trailing partial frame and reuses the output buffer when large enough', () => {
    const out = new Float32Array(8);
    const mono = downmixToMono(Int16Array.from([100, 200, 300, 400, 500]), 2, out);
    expect(mono.length).toBe(2);
    expect(mono.buffer).toBe(out.buffer);
  });
});
