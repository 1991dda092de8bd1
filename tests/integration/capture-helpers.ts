import { execFile } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { promisify } from 'node:util';
import type { AudioFrame } from '../../src/shared/audio-frame.ts';

/** Shared by the capture integration tests: bounded waits, frame collection, signal comparison. */

const run = promisify(execFile);

/** Resolves with the first `event` whose payload passes `accept`; rejects after `timeoutMs` saying what it waited for. */
export function waitForEvent<T>(
  emitter: EventEmitter,
  event: string,
  what: string,
  timeoutMs: number,
  accept: (value: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (value: T): void => {
      if (!accept(value)) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve(value);
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    emitter.on(event, onEvent);
  });
}

/** Collects every frame a host emits until `stop()`. */
export function collectFrames(host: EventEmitter): { frames: AudioFrame[]; stop: () => void } {
  const frames: AudioFrame[] = [];
  const onFrame = (frame: AudioFrame): void => void frames.push(frame);
  host.on('frame', onFrame);
  return { frames, stop: () => host.off('frame', onFrame) };
}

export function concatFrames(frames: readonly AudioFrame[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.samples.length, 0));
  let offset = 0;
  for (const f of frames) {
    out.set(f.samples, offset);
    offset += f.samples.length;
  }
  return out;
}

/** Speech from espeak-ng, converted by sox to mono PCM16 at `rate`. */
export async function speechWav(path: string, text: string, rate = 16000): Promise<void> {
  const raw = `${path}.espeak.wav`;
  await run('espeak-ng', ['-w', raw, text], { timeout: 20_000 });
  await run('sox', [raw, '-r', String(rate), '-c', '1', '-b', '16', path], { timeout: 20_000 });
}

export function peakAbs(samples: Int16Array): number {
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  return peak;
}

export function rmsDbfs(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += (s / 32768) ** 2;
  return samples.length === 0 ? -Infinity : 10 * Math.log10(sum / samples.length);
}

/** Normalised cross-correlation of `ref` against `rec` starting at `lag`. */
export function nccAt(rec: Int16Array, ref: Int16Array, lag: number): number {
  let dot = 0;
  let eRec = 0;
  let eRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = rec[lag + i] ?? 0;
    const b = ref[i]!;
    dot += a * b;
    eRec += a * a;
    eRef += b * b;
  }
  return eRec === 0 || eRef === 0 ? 0 : dot / Math.sqrt(eRec * eRef);
}

/**
 * Where `ref` sits inside `rec` and how well it matches there: a coarse search on 1 ms
 * blocks (signed block sums keep low-frequency phase), then every lag ±2 ms at full rate.
 */
export function align(rec: Int16Array, ref: Int16Array, rate: number): { lag: number; ncc: number } {
  const block = Math.round(rate / 1000);
  const down = (x: Int16Array): Int16Array => {
    const out = new Int16Array(Math.floor(x.length / block));
    for (let i = 0; i < out.length; i++) {
      let sum = 0;
      for (let j = 0; j < block; j++) sum += x[i * block + j]!;
      out[i] = Math.round(sum / block);
    }
    return out;
  };
  const recD = down(rec);
  const refD = down(ref);
  let coarse = 0;
  let best = -Infinity;
  for (let lag = 0; lag + refD.length <= recD.length; lag++) {
    const score = nccAt(recD, refD, lag);
    if (score > best) [best, coarse] = [score, lag];
  }
  let lag = coarse * block;
  let ncc = -Infinity;
  for (
    let l = Math.max(0, coarse * block - 2 * block);
    l <= coarse * block + 2 * block && l + ref.length <= rec.length;
    l++
  ) {
    const score = nccAt(rec, ref, l);
    if (score > ncc) [ncc, lag] = [score, l];
  }
  return { lag, ncc };
}

/** First to last 10 ms window within 30 dB of the loudest one, in seconds: how long the speech lasts. */
export function speechSpanSeconds(samples: Int16Array, rate: number): number {
  const win = rate / 100;
  const energies: number[] = [];
  for (let i = 0; i + win <= samples.length; i += win) {
    let sum = 0;
    for (let j = 0; j < win; j++) sum += samples[i + j]! ** 2;
    energies.push(sum / win);
  }
  const threshold = Math.max(...energies) / 1000;
  const first = energies.findIndex((e) => e > threshold);
  const last = energies.findLastIndex((e) => e > threshold);
  return first < 0 ? 0 : ((last - first + 1) * win) / rate;
}
