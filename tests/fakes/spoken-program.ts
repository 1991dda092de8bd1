import { readFileSync } from 'node:fs';
import { parseWav } from '../../src/core/sources/wav.ts';
import { heldoutClips } from '../helpers/speech-clips.ts';

/**
 * Real speech (held-out espeak utterances) laid out as a program with pauses, at any rate, for
 * the fakes of servers that cannot be asked what a VAD hears in square waves: client-side turns
 * need real speech. The fakes cannot run recognition either, so they are given the program as
 * their oracle: a connection's audio is located in it (every sample carries seeded dither, so
 * 64 samples place it exactly) and a range of it is "heard" as the words whose middle lies in
 * the range (each utterance's words spread evenly over its speech).
 */
export interface SpokenUtterance {
  readonly text: string;
  readonly words: readonly { readonly text: string; readonly mid: number; readonly end: number }[];
  /** First and last loud sample of the clip (program samples). */
  readonly startSample: number;
  readonly endSample: number;
}

export interface SpokenProgram {
  readonly sampleRate: number;
  readonly samples: Int16Array;
  readonly utterances: readonly SpokenUtterance[];
}

const LOUD = 300;
const PROBE = 64;

export function spokenProgram(
  sampleRate: number,
  clips: number,
  { leadMs = 800, pauseMs = 1500, tailMs = 1200, from = 0, trim = false } = {},
): SpokenProgram {
  const parts: Int16Array[] = [silence(sampleRate, leadMs)];
  const utterances: SpokenUtterance[] = [];
  let at = parts[0]!.length;
  heldoutClips(from, clips).forEach((clip, i) => {
    if (i > 0) {
      parts.push(silence(sampleRate, pauseMs));
      at += parts.at(-1)!.length;
    }
    const whole = resample(parseWav(readFileSync(clip.file)).samples, 16_000, sampleRate);
    const loudFrom = whole.findIndex((s) => Math.abs(s) > LOUD);
    const loudTo = whole.length - 1 - [...whole].reverse().findIndex((s) => Math.abs(s) > LOUD);
    // `trim`: the clip's own leading and trailing silence goes too (speech without a pause).
    const audio = trim ? whole.slice(loudFrom, loudTo + 1) : whole;
    const first = trim ? 0 : loudFrom;
    const last = trim ? audio.length - 1 : loudTo;
    const words = clip.reference.split(/\s+/).filter(Boolean);
    const span = last - first;
    utterances.push({
      text: words.join(' '),
      words: words.map((text, k) => ({
        text,
        mid: at + first + Math.round(((k + 0.5) * span) / words.length),
        end: at + first + Math.round(((k + 1) * span) / words.length),
      })),
      startSample: at + first,
      endSample: at + last,
    });
    parts.push(audio);
    at += audio.length;
  });
  parts.push(silence(sampleRate, tailMs));
  const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  dither(samples);
  return { sampleRate, samples, utterances };
}

/** Where `audio` (a connection's first samples) starts in the program, or null. */
export function locate(program: SpokenProgram, audio: Int16Array): number | null {
  if (audio.length < PROBE) return null;
  const p = program.samples;
  outer: for (let i = 0; i + PROBE <= p.length; i++) {
    for (let k = 0; k < PROBE; k++) if (p[i + k] !== audio[k]) continue outer;
    return i;
  }
  return null;
}

/** The words a recogniser hears in program samples [from, to). */
export function wordsIn(program: SpokenProgram, from: number, to: number): string[] {
  return program.utterances.flatMap((u) => u.words.filter((w) => w.mid >= from && w.mid < to).map((w) => w.text));
}

/** True when `at` falls inside an utterance's speech (a commit there would cut a word). */
export function insideSpeech(program: SpokenProgram, at: number): boolean {
  return program.utterances.some((u) => at > u.startSample && at < u.endSample);
}

function silence(rate: number, ms: number): Int16Array {
  return new Int16Array(Math.round((rate * ms) / 1000));
}

function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return input;
  const out = new Int16Array(Math.floor((input.length * to) / from));
  for (let j = 0; j < out.length; j++) {
    const src = (j * from) / to;
    const i = Math.floor(src);
    const a = input[i] ?? 0;
    const b = input[i + 1] ?? a;
    out[j] = Math.round(a + (b - a) * (src - i));
  }
  return out;
}

/** ±3 LSB of seeded noise: inaudible, below any VAD, and it makes every 64 samples unique. */
function dither(samples: Int16Array): void {
  let seed = 0x2545f491;
  for (let i = 0; i < samples.length; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    samples[i] = Math.max(-32768, Math.min(32767, samples[i]! + ((seed >>> 0) % 7) - 3));
  }
}
