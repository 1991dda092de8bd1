import { describe, expect, it } from 'vitest';
import { formatCandidates } from './format-candidates.ts';

describe('formatCandidates', () => {
  it('tries the wanted rate first, then the device default, then common rates; mono before stereo', () => {
    const list = formatCandidates({ defaultSampleRate: 44100, maxInputChannels: 2 }, 16000);
    expect(list.slice(0, 4)).toEqual([
      { sampleRate: 16000, channels: 1 },
      { sampleRate: 16000, channels: 2 },
      { sampleRate: 44100, channels: 1 },
      { sampleRate: 44100, channels: 2 },
    ]);
    expect(list.map((c) => c.sampleRate)).toContain(48000);
    expect(new Set(list.map((c) => `${c.sampleRate}/${c.channels}`)).size).toBe(list.length);
  });

  it('includes a many-channel interface at its full width and never asks for more channels than it has', () => {
    const list = formatCandidates({ defaultSampleRate: 48000, maxInputChannels: 8 }, 48000);
    expect(list.slice(0, 3).map((c) => c.channels)).toEqual([1, 2, 8]);
    const mono = formatCandidates({ defaultSampleRate: 48000, maxInputChannels: 1 }, 16000);
    expect(mono.every((c) => c.channels === 1)).toBe(true);
  });
});
