import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResampler } from '../../platform/audio/resampler.ts';
import { encodeWav, float32ToInt16, int16ToFloat32, writeWav } from './wav.ts';
import { WavFrames } from './wav-frames.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-wav-frames-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function takeAll(frames: WavFrames): Promise<Int16Array[]> {
  const out: Int16Array[] = [];
  while (!frames.done) {
    if (frames.available === 0) await frames.fill();
    while (frames.available > 0) out.push(frames.take());
  }
  return out;
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('WavFrames', () => {
  it('reads a file piece by piece with the same samples as converting it whole', async () => {
    // 5.3 s of stereo noise at 44.1 kHz: several reads, each resampled separately to 16 kHz.
    const rate = 44_100;
    const length = Math.round(5.3 * rate);
    const stereo = new Int16Array(length * 2);
    let seed = 1;
    for (let i = 0; i < stereo.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      stereo[i] = (seed % 20_000) - 10_000;
    }
    const path = join(dir, 'noise.wav');
    await writeWav(path, { sampleRate: rate, channels: 2, samples: stereo });

    const frames = await WavFrames.open(path, 16_000);
    const streamed = await takeAll(frames);

    const mono = new Int16Array(length);
    for (let i = 0; i < length; i++) mono[i] = Math.round((stereo[2 * i]! + stereo[2 * i + 1]!) / 2);
    const resampler = await createResampler(rate, 16_000);
    const whole = float32ToInt16(resampler.process(int16ToFloat32(mono)));
    resampler.dispose();
    expect(streamed.every((f) => f.length === 320)).toBe(true);
    expect(streamed).toHaveLength(Math.ceil(whole.length / 320));
    const joined = concat(streamed);
    expect(joined.subarray(0, whole.length)).toEqual(whole);
    expect(joined.subarray(whole.length).every((s) => s === 0)).toBe(true);
  });

  it('gives one silent frame for a file without samples', async () => {
    const path = join(dir, 'empty.wav');
    await writeWav(path, { sampleRate: 16_000, channels: 1, samples: new Int16Array(0) });
    const frames = await WavFrames.open(path, 16_000);
    const all = await takeAll(frames);
    expect(all).toHaveLength(1);
    expect(all[0]!.every((s) => s === 0)).toBe(true);
  });

  it('takes the samples that are there when the header promises more (a recording cut short)', async () => {
    const samples = Int16Array.from({ length: 1000 }, (_, i) => i);
    const bytes = encodeWav({ sampleRate: 16_000, channels: 1, samples });
    bytes.writeUInt32LE(0xffffffff, 40); // data size left unset by a streaming writer
    const path = join(dir, 'cut.wav');
    writeFileSync(path, bytes);
    const all = concat(await takeAll(await WavFrames.open(path, 16_000)));
    expect(all).toHaveLength(1280); // four whole frames, the last padded
    expect(all.subarray(0, 1000)).toEqual(samples);
  });

  it('resumes where a stopped source left off', async () => {
    const samples = Int16Array.from({ length: 3200 }, (_, i) => i);
    const path = join(dir, 'ramp.wav');
    await writeWav(path, { sampleRate: 16_000, channels: 1, samples });
    const all = await takeAll(await WavFrames.open(path, 16_000, 7));
    expect(all).toHaveLength(3);
    expect(all[0]![0]).toBe(7 * 320);
  });

  it('refuses a file that is not a 16-bit PCM WAV with INPUT_INVALID', async () => {
    const path = join(dir, 'text.wav');
    writeFileSync(path, 'not audio at all, just some text');
    await expect(WavFrames.open(path, 16_000)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
