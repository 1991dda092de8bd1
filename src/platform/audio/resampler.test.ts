import { afterEach, describe, expect, it } from 'vitest';
import { createResampler, type Resampler } from './resampler.ts';

const open: Resampler[] = [];
async function resampler(inRate: number, outRate: number): Promise<Resampler> {
  const r = await createResampler(inRate, outRate);
  open.push(r);
  return r;
}
afterEach(() => {
  for (const r of open.splice(0)) r.dispose();
});

function tone(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / x.length);
}

/** Magnitude of one frequency in the signal (Goertzel), normalised to a sine's amplitude. */
function amplitudeAt(x: Float32Array, freq: number, rate: number): number {
  const w = (2 * Math.PI * freq) / rate;
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos(w * i);
    im -= x[i]! * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

/** Strongest frequency between lo and hi Hz, scanned in 1 Hz steps around the expected peak. */
function peakFrequency(x: Float32Array, rate: number, lo: number, hi: number): number {
  let best = lo;
  let bestAmp = -1;
  for (let f = lo; f <= hi; f += 1) {
    const a = amplitudeAt(x, f, rate);
    if (a > bestAmp) [best, bestAmp] = [f, a];
  }
  return best;
}

const dB = (ratio: number): number => 20 * Math.log10(ratio);

describe('createResampler (SpeexDSP)', () => {
  it.each([
    [48000, 16000],
    [44100, 16000],
    [48000, 24000],
    [16000, 48000],
  ])('keeps a 1 kHz tone at 1 kHz and at its level (%i → %i Hz)', async (inRate, outRate) => {
    const r = await resampler(inRate, outRate);
    const out = r.process(tone(1000, inRate, 1));
    // The filter holds back its own length (a few ms) until more input arrives.
    expect(Math.abs(out.length - outRate)).toBeLessThanOrEqual(outRate / 200);
    const steady = out.subarray(outRate / 10, out.length - outRate / 10);
    expect(peakFrequency(steady, outRate, 950, 1050)).toBe(1000);
    expect(Math.abs(dB(rms(steady) / (0.5 / Math.SQRT2)))).toBeLessThan(0.5);
  });

  it.each([
    [48000, 16000, 10000],
    [48000, 16000, 8600],
    [44100, 16000, 12000],
    [48000, 24000, 15000],
  ])(
    'suppresses a tone above the new Nyquist by at least 50 dB (%i → %i Hz, %i Hz tone)',
    async (inRate, outRate, freq) => {
      const r = await resampler(inRate, outRate);
      const out = r.process(tone(freq, inRate, 1));
      const steady = out.subarray(outRate / 10, out.length - outRate / 10);
      expect(dB(rms(steady) / (0.5 / Math.SQRT2))).toBeLessThan(-50);
    },
  );

  it('gives the same output fed in 10 ms chunks as fed at once', async () => {
    const input = new Float32Array(48000 * 2);
    // Speech-like: a chirp plus noise, so every chunk boundary lands on a different phase.
    let seed = 7;
    for (let i = 0; i < input.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      input[i] = 0.4 * Math.sin((2 * Math.PI * (200 + i / 40) * i) / 48000) + 0.1 * (seed / 2 ** 31 - 0.5);
    }
    const oneShot = (await resampler(48000, 16000)).process(input);
    const chunked = await resampler(48000, 16000);
    const parts: Float32Array[] = [];
    for (let i = 0; i < input.length; i += 480) parts.push(chunked.process(input.subarray(i, i + 480)));
    const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) joined.set(p, (offset += p.length) - p.length);
    expect(Math.abs(joined.length - oneShot.length)).toBeLessThanOrEqual(2);
    let maxDiff = 0;
    for (let i = 0; i < Math.min(joined.length, oneShot.length); i++)
      maxDiff = Math.max(maxDiff, Math.abs(joined[i]! - oneShot[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('passes audio through untouched when the rates match', async () => {
    const r = await resampler(16000, 16000);
    const input = tone(440, 16000, 0.1);
    expect(r.process(input)).toEqual(input);
  });

  it('rejects nonsensical rates with a clear message', async () => {
    await expect(createResampler(0, 16000)).rejects.toThrow(/positive integers/);
  });
});
