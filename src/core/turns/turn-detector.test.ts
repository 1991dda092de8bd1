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

describe('TurnDetector on speech without a pause', () => {
  it.each([16_000, 24_000])('cuts before every maxTurn, each time at the quietest frame around, at %i Hz', (rate) => {
    // ~60 s of real speech, the clips' own silences trimmed: no pause long enough to end a turn.
    const program = spokenProgram(rate, 28, { pauseMs: 0, leadMs: 0, tailMs: 0, trim: true });
    expect(program.samples.length / rate).toBeGreaterThan(55);
    const maxTurnMs = 10_000;
    const detector = new TurnDetector({ vadModelPath: VAD_MODEL, sampleRate: rate, maxTurnMs });
    const ends: TurnEnd[] = [];
    // What a dialect would have sent before each push: up to the hold, or everything.
    const early: number[] = [];
    const frame = rate / 50;
    for (let i = 0; i < program.samples.length; i += frame) {
      const sent = Math.min(i, detector.holdFrom ?? i);
      for (const end of detector.push(program.samples.subarray(i, i + frame))) {
        ends.push(end);
        if (end.cutAt < sent) early.push(end.cutAt);
      }
    }
    // A cut never lands in audio the detector had already let go.
    expect(early).toEqual([]);
    const last = detector.finish();
    expect(last).not.toBeNull(); // the speech runs to the end of the audio
    // Bounded: no turn runs past the limit (plus Silero's onset lag).
    const cuts = [0, ...ends.map((e) => e.cutAt), program.samples.length];
    for (let i = 1; i < cuts.length; i++)
      expect(cuts[i]! - cuts[i - 1]!).toBeLessThan(((maxTurnMs + 500) * rate) / 1000);
    expect(ends.length).toBeGreaterThanOrEqual(5);
    // Quiet: each cut's 20 ms frame is among the quietest tenth of the two seconds around it.
    const energy = (at: number): number => {
      const f = program.samples.subarray(at - frame / 2, at + frame / 2);
      return f.reduce((sum, s) => sum + s * s, 0) / f.length;
    };
    // (A cut inside speech ends its speech there; the turns that ended in a pause are checked above.)
    const forced = ends.filter((e) => e.cutAt === e.speechEnd);
    expect(forced.length).toBeGreaterThanOrEqual(4);
    for (const end of forced) {
      const around: number[] = [];
      for (let at = end.cutAt - rate; at <= end.cutAt + rate; at += frame) around.push(energy(at));
      around.sort((a, b) => a - b);
      expect(energy(end.cutAt)).toBeLessThanOrEqual(around[Math.floor(around.length * 0.1)]!);
      // Every turn carries speech (a cut never leaves a turn of silence alone).
      expect(end.speechEnd).toBeGreaterThan(end.speechStart);
    }
  });
});
