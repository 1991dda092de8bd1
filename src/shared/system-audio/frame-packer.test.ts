import { describe, expect, it } from 'vitest';
import type { AudioFrame } from '../audio-frame.ts';
import { FramePacker, InputTimeline, toPcm16 } from './frame-packer.ts';
import { PcmChunker, type PcmChunk } from './pcm-chunker.ts';

describe('toPcm16', () => {
  it('scales by 32767, rounds, and clips overshoot instead of wrapping', () => {
    expect([0, 1, -1, 0.5, -0.5, 1.5, -1.5, 1 / 32767].map(toPcm16)).toEqual([
      0, 32767, -32767, 16384, -16383, 32767, -32768, 1,
    ]);
  });
});

describe('FramePacker', () => {
  it('cuts uneven chunks into 20 ms frames stamped by sample count', () => {
    const packer = new FramePacker(16_000, 1_000);
    const frames: AudioFrame[] = [];
    // 1000 samples in chunks of 7, 300 and 693: 3 whole frames of 320, 40 samples left over.
    const ramp = Float32Array.from({ length: 1000 }, (_, i) => i / 32767);
    packer.push(ramp.subarray(0, 7), (f) => frames.push(f));
    packer.push(ramp.subarray(7, 307), (f) => frames.push(f));
    packer.push(ramp.subarray(307), (f) => frames.push(f));
    expect(frames.map((f) => [f.seq, f.captureTimeMs, f.samples.length, f.sampleRate])).toEqual([
      [0, 1_000, 320, 16_000],
      [1, 1_020, 320, 16_000],
      [2, 1_040, 320, 16_000],
    ]);
    // The ramp survives the cuts sample for sample: frame k holds 320k … 320k+319.
    for (const frame of frames) {
      expect(frame.samples[0]).toBe(frame.seq * 320);
      expect(frame.samples[319]).toBe(frame.seq * 320 + 319);
    }
    expect(packer.frames).toBe(3);
  });

  it('refuses a rate with no whole number of samples per 20 ms', () => {
    expect(() => new FramePacker(11_025, 0)).toThrow(RangeError);
  });
});

describe('InputTimeline', () => {
  it('counts samples as the clock and pads only a lateness beyond 150 ms', () => {
    const timeline = new InputTimeline(48_000);
    expect(timeline.observe(5_000, 960)).toBe(0);
    // 20 ms later plus 40 ms of delivery jitter: no gap.
    expect(timeline.observe(5_060, 960)).toBe(0);
    // The next chunk should start at 5040 ms; it starts at 5340: 300 ms = 14400 samples missing.
    expect(timeline.observe(5_340, 960)).toBe(14_400);
    // Counting resumes after the padding: 5340 + 20 = 5360 is on time.
    expect(timeline.observe(5_360, 960)).toBe(0);
    expect(timeline.originMs).toBe(5_000);
  });

  it('pads at most ten seconds for one bad stamp', () => {
    const timeline = new InputTimeline(16_000);
    timeline.observe(0, 320);
    expect(timeline.observe(3_600_000, 320)).toBe(160_000);
  });
});

describe('PcmChunker', () => {
  it('downmixes to the mean and posts 20 ms chunks at the context rate with their first frame', () => {
    const chunker = new PcmChunker(48_000);
    expect(chunker.chunkSamples).toBe(960);
    const chunks: PcmChunk[] = [];
    // 10 render quanta of 128 = 1280 samples: one chunk of 960, 320 waiting.
    for (let q = 0; q < 10; q++) {
      const left = new Float32Array(128).fill(0.5);
      const right = new Float32Array(128).fill(-0.25);
      chunker.push([left, right], 1_000 + q * 128, (c) => chunks.push(c));
    }
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.startFrame).toBe(1_000);
    expect(chunks[0]!.samples.length).toBe(960);
    expect(chunks[0]!.samples.every((s) => s === 0.125)).toBe(true);
    // Two more quanta cross 1280 + 256 = 1536 < 1920: still one; five more make the second, starting at 1960.
    for (let q = 10; q < 15; q++) chunker.push([new Float32Array(128)], 1_000 + q * 128, (c) => chunks.push(c));
    expect(chunks).toHaveLength(2);
    expect(chunks[1]!.startFrame).toBe(1_960);
  });

  it('ignores a quantum with no channels (a track with no data yet)', () => {
    const chunker = new PcmChunker(44_100);
    expect(chunker.chunkSamples).toBe(882);
    const chunks: PcmChunk[] = [];
    chunker.push([], 0, (c) => chunks.push(c));
    expect(chunks).toEqual([]);
  });
});
