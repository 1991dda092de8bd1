import { describe, expect, it } from 'vitest';
import { insideSpeech, spokenProgram } from '../../../tests/fakes/spoken-program.ts';
import { requireSharedModels, VAD_MODEL } from '../../../tests/helpers/paths.ts';
import { TurnDetector, type TurnEnd } from './turn-detector.ts';

requireSharedModels();

/** Feeds the program in 20 ms frames, as a session does. */
function run(
  rate: number,
  clips: number,
): { ends: TurnEnd[]; last: TurnEnd | null; program: ReturnType<typeof spokenProgram> } {
  const program = spokenProgram(rate, clips);
  const detector = new TurnDetector({ vadModelPath: VAD_MODEL, sampleRate: rate });
  const ends: TurnEnd[] = [];
  const frame = rate / 50;
  for (let i = 0; i < program.samples.length; i += frame)
    ends.push(...detector.push(program.samples.subarray(i, i + frame)));
  return { ends, last: detector.finish(), program };
}

describe('TurnDetector (Silero on real speech)', () => {
  it.each([16_000, 24_000])('ends one turn per utterance, in its pause, at %i Hz', (rate) => {
    const { ends, last, program } = run(rate, 3);
    expect(ends).toHaveLength(3);
    expect(last).toBeNull(); // the tail is silence: nothing to commit
    ends.forEach((end, i) => {
      const u = program.utterances[i]!;
      expect(insideSpeech(program, end.cutAt)).toBe(false);
      expect(end.cutAt).toBeGreaterThanOrEqual(u.endSample);
      const next = program.utterances[i + 1];
      if (next) expect(end.cutAt).toBeLessThan(next.startSample);
      // The speech span covers the utterance (Silero pads by a window or two).
      expect(end.speechStart).toBeLessThanOrEqual(u.startSample + rate * 0.1);
      expect(end.speechEnd).toBeGreaterThanOrEqual(u.endSample - rate * 0.1);
    });
  });

  it('never ends a turn on silence alone', () => {
    const detector = new TurnDetector({ vadModelPath: VAD_MODEL, sampleRate: 16_000 });
    expect(detector.push(new Int16Array(16_000 * 5))).toEqual([]);
    expect(detector.hasSpeech).toBe(false);
    expect(detector.finish()).toBeNull();
  });

  it('ends speech cut off by the end of the stream where the audio ends', () => {
    const program = spokenProgram(16_000, 1, { tailMs: 0 });
    const u = program.utterances[0]!;
    const cut = Math.round((u.startSample + u.endSample) / 2);
    const detector = new TurnDetector({ vadModelPath: VAD_MODEL, sampleRate: 16_000 });
    expect(detector.push(program.samples.subarray(0, cut))).toEqual([]);
    expect(detector.hasSpeech).toBe(true);
    expect(detector.finish()).toMatchObject({ cutAt: cut });
  });
});
