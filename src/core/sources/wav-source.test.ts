import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../shared/audio-frame.ts';
import { writeWav } from './wav.ts';
import { createWavSource } from './wav-source.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-wav-source-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A 440 Hz stereo tone at 16 kHz, 0.51 s (not a whole number of frames). */
async function tone(): Promise<string> {
  const frames = 8160;
  const samples = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++)
    samples[2 * i] = samples[2 * i + 1] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16_000));
  const path = join(dir, 'tone.wav');
  await writeWav(path, { sampleRate: 16_000, channels: 2, samples });
  return path;
}

describe('WavSource', () => {
  it('downmixes, resamples to the session rate and delivers whole 20 ms frames in order', async () => {
    const source = createWavSource({ path: await tone(), sampleRate: 24_000, pace: 'fast' });
    const frames: AudioFrame[] = [];
    await source.start((f) => frames.push(f));
    await source.ended;
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
    expect(frames.every((f) => f.samples.length === 480 && f.sampleRate === 24_000)).toBe(true);
    expect(frames.length).toBe(Math.ceil((0.51 * 24_000) / 480));
    // The tone survives resampling: peak near 8000, not doubled by the stereo downmix.
    const peak = Math.max(...frames.slice(2, 20).flatMap((f) => [...f.samples].map(Math.abs)));
    expect(peak).toBeGreaterThan(7000);
    expect(peak).toBeLessThan(9000);
  });

  it('paces at real time and stops on request', async () => {
    const source = createWavSource({ path: await tone(), sampleRate: 16_000, pace: 'realtime' });
    const frames: AudioFrame[] = [];
    const t0 = performance.now();
    await source.start((f) => frames.push(f));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (frames.length >= 5) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    await source.stop();
    const elapsed = performance.now() - t0;
    // Five frames are 100 ms of audio: delivered no faster than real time (order of magnitude).
    expect(elapsed).toBeGreaterThan(60);
    expect(frames.length).toBeLessThan(26);
  });

  it('holds fast mode to a service rate rule: no faster than its multiple of real time', async () => {
    // 0.52 s of audio (26 frames) at 2× real time: about 250 ms, never under 200.
    const capped = createWavSource({ path: await tone(), sampleRate: 16_000, pace: 'fast', maxRealtimeFactor: 2 });
    const frames: AudioFrame[] = [];
    const t0 = performance.now();
    await capped.start((f) => frames.push(f));
    expect(frames).toHaveLength(1); // no burst: the first frame, then one per 10 ms
    await capped.ended;
    expect(performance.now() - t0).toBeGreaterThan(200);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
    expect(frames).toHaveLength(Math.ceil(8160 / 320));
  });

  it('reports a missing file with INPUT_NOT_FOUND', async () => {
    const source = createWavSource({ path: join(dir, 'missing.wav'), sampleRate: 16_000, pace: 'fast' });
    await expect(source.start(() => undefined)).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
  });
});
