import { describe, expect, it } from 'vitest';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import { measureLatencies, type ArrivedEvent } from '../helpers/latency-analysis.ts';
import { requireSharedModels } from '../helpers/paths.ts';
import { PipelineTap } from '../helpers/pipeline-tap.ts';
import { heldoutClips } from '../helpers/speech-clips.ts';
import { buildProgram, locateProgram, msToSamples, samplesToMs, speechBounds } from '../helpers/utterance-timing.ts';
import { charErrorRate, wordErrorRate } from '../helpers/wer.ts';
import { readWav } from '../../src/core/sources/wav.ts';

/**
 * The arithmetic behind the speech-to-screen figures and tests, checked on inputs whose
 * answers are known: error rates, speech bounds of a real clip, finding a program inside
 * "captured" audio that starts late, loses a frame and carries noise, and latencies computed
 * from frames and events placed at known times.
 */
const T0 = 1_800_000_000_000; // an arbitrary wall-clock origin for synthetic capture times

describe('speech-to-screen measurement helpers', () => {
  it('computes corpus WER and per-utterance CER', () => {
    expect(wordErrorRate([{ reference: 'is the byte key', hypothesis: 'is the byt key' }])).toBe(25);
    expect(
      wordErrorRate([
        { reference: 'a b c d', hypothesis: 'a b c d e' },
        { reference: 'x y', hypothesis: '' },
      ]),
    ).toBeCloseTo((100 * 3) / 6);
    expect(charErrorRate('abcd', 'abed')).toBe(25);
    expect(charErrorRate('to be valid', 'to be valiad')).toBeCloseTo(100 / 11);
  });

  it('finds speech onset and end of a held-out clip inside its silent padding', async () => {
    requireSharedModels();
    const clip = heldoutClips(0, 1)[0]!;
    const audio = await readWav(clip.file);
    const bounds = speechBounds(audio.samples);
    // The files carry 0–0.5 s of padding at each end, and the clip is 2.26 s long; the energy
    // end sits up to ~0.15 s before the fading last sound ends (model README), hence 700 ms.
    expect(samplesToMs(bounds.onset)).toBeLessThanOrEqual(700);
    expect(samplesToMs(audio.samples.length - bounds.end)).toBeLessThanOrEqual(700);
    expect(samplesToMs(bounds.end - bounds.onset)).toBeGreaterThan(1200);
  });

  it('locates a program in captured audio that swallowed part of the lead, lost a frame and carries noise; latencies follow', async () => {
    requireSharedModels();
    const program = await buildProgram(heldoutClips(0, 3), { gapMs: 1500 });
    // Captured = the program from sample 3000 on (lag −3000), gain 0.5, noise, one frame lost.
    const lag = -3000;
    const captured = new Int16Array(program.samples.length + lag + msToSamples(1000));
    let seed = 7;
    const noise = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 60;
    for (let i = 0; i < captured.length; i++) captured[i] = Math.round((program.samples[i - lag] ?? 0) * 0.5 + noise());
    const found = locateProgram(program, captured);
    expect(found.lag).toBe(lag);
    expect(found.score).toBeGreaterThan(0.9);

    const tap = new PipelineTap();
    const lost = Math.floor((program.spans[1]!.onset + lag) / 320) + 10; // inside the second utterance
    for (let seq = 0; seq * 320 < captured.length; seq++) {
      if (seq === lost) continue;
      const samples = captured.slice(seq * 320, seq * 320 + 320);
      if (samples.length < 320) break;
      tap.frames.push({ seq, captureTimeMs: T0 + seq * 20, receivedMs: T0 + seq * 20 + 25, samples });
    }
    // Wall-clock time of a program sample, and events placed at known delays from it.
    const timeOf = (programSample: number): number => T0 + samplesToMs(programSample + lag);
    const arrived: ArrivedEvent[] = [];
    const event = (segmentId: string, isFinal: boolean): TranscriptEvent => ({ segmentId, text: 'words', isFinal });
    program.spans.forEach((span, i) => {
      arrived.push({ at: timeOf(span.onset) + 300 + i, event: event(`s${i}`, false) });
      arrived.push({ at: timeOf(span.end) + 250, event: event(`s${i}`, false) });
      arrived.push({ at: timeOf(span.end) + 800 + 10 * i, event: event(`s${i}`, true) });
    });
    const m = measureLatencies(program, tap, arrived);
    expect(m.alignment.lagMs).toBe(Math.round(lag / 16));
    expect(m.speechToScreenMs.map(Math.round)).toEqual([800, 810, 820]);
    expect(m.firstPartialMs.map(Math.round)).toEqual([300, 301, 302]);
    expect(m.lastPartialMs.map(Math.round)).toEqual([250, 250, 250]);
    expect(m.endpointWaitMs.map(Math.round)).toEqual([550, 560, 570]);
    expect(m.captureToMainMs.every((ms) => Math.abs(ms - 5) < 1e-6)).toBe(true);
    expect({ split: m.split, missed: m.missed }).toEqual({ split: 0, missed: 0 });
  });
});
