import { readWav, writeWav } from '../../src/core/sources/wav.ts';

/**
 * When speech starts and ends in a played source, and where that source landed in captured
 * audio: what latency measurements and end-to-end tests need to know about their audio.
 *
 * - `speechBounds`: onset and end of speech in a clip, from its energy (10 ms windows, a
 *   threshold 12 dB over the clip's noise floor). On the espeak files this end is ~0.14 s
 *   before the end of the forced-aligned last letter (model README), i.e. it is the moment
 *   the voice stops, the honest start of a "how long until I see it" clock.
 * - `buildProgram`: many clips in one WAV separated by digital silence (one `paplay`, so
 *   PulseAudio's ~1 s stream start-up is paid once), with every clip's speech bounds.
 * - `locateProgram`: where the program starts inside captured audio, by cross-correlating
 *   energy envelopes (coarse, 10 ms) and then samples (fine), rather than trusting when
 *   `paplay` was started.
 */
export const PROGRAM_RATE = 16_000;
const WINDOW = PROGRAM_RATE / 100; // 10 ms

export interface SpeechBounds {
  /** First sample of speech. */
  readonly onset: number;
  /** One past the last sample of speech. */
  readonly end: number;
}

/** Speech onset and end of a mono clip, from 10 ms window energies. */
export function speechBounds(samples: Int16Array, thresholdDb = 12): SpeechBounds {
  const energies = windowDb(samples);
  if (energies.length === 0) throw new Error('speechBounds: empty clip');
  const sorted = [...energies].sort((a, b) => a - b);
  const floor = sorted[Math.floor(sorted.length * 0.1)]!;
  const peak = sorted[sorted.length - 1]!;
  // Digital silence has no floor worth the name; never put the threshold near it.
  const threshold = Math.max(floor + thresholdDb, peak - 50, 20);
  const loud = energies.map((e) => e >= threshold);
  // A run of 3 windows (30 ms) is speech; a lone click is not.
  const run = (i: number, step: 1 | -1): boolean => loud[i]! && loud[i + step] === true && loud[i + 2 * step] === true;
  let first = loud.findIndex((_, i) => run(i, 1));
  let last = -1;
  for (let i = loud.length - 1; i >= 0; i--)
    if (run(i, -1)) {
      last = i;
      break;
    }
  if (first < 0 || last < 0) {
    first = 0;
    last = loud.length - 1;
  }
  return { onset: first * WINDOW, end: Math.min(samples.length, (last + 1) * WINDOW) };
}

/** Energy of each 10 ms window in dB relative to one PCM16 step (digital silence → 0). */
export function windowDb(samples: Int16Array): number[] {
  const out: number[] = [];
  for (let start = 0; start + WINDOW <= samples.length; start += WINDOW) {
    let sum = 0;
    for (let i = start; i < start + WINDOW; i++) sum += samples[i]! * samples[i]!;
    out.push(10 * Math.log10(1 + sum / WINDOW));
  }
  return out;
}

export interface ProgramClip {
  readonly file: string;
  /** Reference text, when the clip has one. */
  readonly reference: string;
}

export interface ProgramSpan extends ProgramClip {
  /** Where the clip's samples start and end in the program (samples at PROGRAM_RATE). */
  readonly clipStart: number;
  readonly clipEnd: number;
  /** Speech onset and end in the program (samples). */
  readonly onset: number;
  readonly end: number;
}

export interface Program {
  readonly samples: Int16Array;
  readonly spans: readonly ProgramSpan[];
}

/**
 * Concatenates 16 kHz mono clips: `leadMs` of silence, then each clip followed by `gapMs` of
 * silence (`tailMs` after the last). The lead defaults to 2 s because PulseAudio may swallow
 * the first ~1 s of a new playback stream (testing.md).
 */
export async function buildProgram(
  clips: readonly ProgramClip[],
  options: { leadMs?: number; gapMs?: number; tailMs?: number } = {},
): Promise<Program> {
  const lead = msToSamples(options.leadMs ?? 2000);
  const gap = msToSamples(options.gapMs ?? 1500);
  const tail = msToSamples(options.tailMs ?? options.gapMs ?? 1500);
  const audio = await Promise.all(clips.map((c) => readWav(c.file)));
  let length = lead;
  const spans: ProgramSpan[] = [];
  audio.forEach((a, i) => {
    if (a.sampleRate !== PROGRAM_RATE || a.channels !== 1)
      throw new Error(`${clips[i]!.file}: expected ${PROGRAM_RATE} Hz mono, got ${a.sampleRate} Hz × ${a.channels}`);
    const bounds = speechBounds(a.samples);
    spans.push({
      ...clips[i]!,
      clipStart: length,
      clipEnd: length + a.samples.length,
      onset: length + bounds.onset,
      end: length + bounds.end,
    });
    length += a.samples.length + (i === audio.length - 1 ? tail : gap);
  });
  const samples = new Int16Array(length);
  audio.forEach((a, i) => samples.set(a.samples, spans[i]!.clipStart));
  return { samples, spans };
}

export async function writeProgram(path: string, program: Program): Promise<void> {
  await writeWav(path, { sampleRate: PROGRAM_RATE, channels: 1, samples: program.samples });
}

export function msToSamples(ms: number): number {
  return Math.round((ms * PROGRAM_RATE) / 1000);
}

export function samplesToMs(samples: number): number {
  return (samples * 1000) / PROGRAM_RATE;
}

export interface Alignment {
  /** Index in the captured audio of the program's sample 0. */
  readonly lag: number;
  /** Normalised correlation at that lag (1 = identical waveforms). */
  readonly score: number;
}

/**
 * Finds the program inside captured audio (same rate). Only the stretch from the first
 * onset to the last end (±200 ms) has to be in the capture: PulseAudio may swallow the
 * start of a new playback stream, so the lead silence can be shorter than played and the
 * lag negative. Coarse: energy envelopes at 10 ms over every lag. Fine: sample-level
 * correlation of the first utterance's speech within ±20 ms. Throws when the match is poor.
 */
export function locateProgram(program: Program, captured: Int16Array, minScore = 0.5): Alignment {
  const margin = msToSamples(200);
  const from = Math.max(0, (program.spans[0]?.onset ?? 0) - margin);
  const to = Math.min(program.samples.length, (program.spans.at(-1)?.end ?? program.samples.length) + margin);
  const src = envelope(program.samples.subarray(from, to));
  const cap = envelope(captured);
  if (cap.length < src.length)
    throw new Error(`captured audio (${cap.length * 10} ms) is shorter than the played speech (${src.length * 10} ms)`);
  let bestLag = 0;
  let bestScore = -Infinity;
  for (let lag = 0; lag + src.length <= cap.length; lag++) {
    const score = correlation(src, cap, lag, 0, src.length);
    if (score > bestScore) {
      bestScore = score;
      bestLag = lag;
    }
  }
  // Envelope lag is where program[from] sits in the capture; convert to where program[0] would.
  const coarse = bestLag * WINDOW - Math.floor(from / WINDOW) * WINDOW;
  const first = program.spans[0];
  const fineFrom = first ? first.onset : from;
  const fineTo = Math.min(first ? first.end : to, fineFrom + PROGRAM_RATE);
  const fine = refine(program.samples, captured, fineFrom, fineTo, coarse, msToSamples(20));
  if (fine.score < minScore)
    throw new Error(`the played audio was not found in the captured audio (best correlation ${fine.score.toFixed(2)})`);
  return fine;
}

/** The lag within ±`radius` of `guess` where program[from, to) best matches the captured audio. */
export function refine(
  program: Int16Array,
  captured: Int16Array,
  from: number,
  to: number,
  guess: number,
  radius: number,
): Alignment {
  let best: Alignment = { lag: guess, score: -Infinity };
  for (let lag = guess - radius; lag <= guess + radius; lag++) {
    if (from + lag < 0) continue;
    if (to + lag > captured.length) break;
    const score = correlation(program, captured, lag, from, to);
    if (score > best.score) best = { lag, score };
  }
  return best;
}

/** Pearson correlation of a[from, to) with b[from + lag, to + lag). */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>, lag: number, from: number, to: number): number {
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  const n = to - from;
  for (let i = from; i < to; i++) {
    const x = a[i]!;
    const y = b[i + lag]!;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const cov = sab - (sa * sb) / n;
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

function envelope(samples: Int16Array): Float64Array {
  return Float64Array.from(windowDb(samples));
}
