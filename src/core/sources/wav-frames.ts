import { createResampler, type Resampler } from '../../platform/audio/resampler.ts';
import { samplesPerFrame } from '../../shared/audio-frame.ts';
import { float32ToInt16, int16ToFloat32 } from './wav.ts';
import { openWavReader, type WavReader } from './wav-reader.ts';

/** Seconds of the file read at a time: small enough to stay below glibc's mmap threshold at 16 kHz mono. */
const READ_SECONDS = 2;
/** Reading ahead starts when less than this much converted audio is left. */
const LOW_WATER_SECONDS = 1;

/**
 * A WAV file as whole 20 ms frames at the session's rate, read ahead a couple of seconds at a
 * time: downmixed to mono, resampled with the capture path's Speex resampler (its filter state
 * carries across reads, so the result equals converting the file at once), the last frame
 * padded with silence (an empty file gives one silent frame).
 */
export class WavFrames {
  readonly #reader: WavReader;
  readonly #resampler: Resampler | null;
  readonly #frame: number;
  readonly #readFrames: number;
  /** Converted samples not yet taken; `#offset` is where the next frame starts in `#pending[0]`. */
  #pending: Int16Array[] = [];
  #offset = 0;
  #buffered = 0;
  #taken = 0;
  #eof = false;
  #filling: Promise<void> | null = null;
  #error: Error | null = null;
  #closed = false;

  private constructor(reader: WavReader, resampler: Resampler | null, rate: number) {
    this.#reader = reader;
    this.#resampler = resampler;
    this.#frame = samplesPerFrame(rate);
    this.#readFrames = reader.sampleRate * READ_SECONDS;
  }

  /**
   * Opens the file and reads its first seconds; a missing or invalid file rejects here.
   * `skipFrames`: where a stopped source resumes.
   */
  static async open(path: string, rate: number, skipFrames = 0): Promise<WavFrames> {
    const reader = await openWavReader(path);
    let resampler: Resampler | null = null;
    try {
      if (reader.sampleRate !== rate) resampler = await createResampler(reader.sampleRate, rate);
      const frames = new WavFrames(reader, resampler, rate);
      await frames.fill();
      for (let skipped = 0; skipped < skipFrames && !frames.done; skipped++) {
        if (frames.available === 0) await frames.fill();
        if (frames.available > 0) frames.take();
      }
      return frames;
    } catch (error) {
      resampler?.dispose();
      await reader.close();
      throw error;
    }
  }

  /** Whole frames ready to take now. */
  get available(): number {
    return Math.floor(this.#buffered / this.#frame);
  }

  /** True once every frame of the file has been taken (or reading failed: see `error`). */
  get done(): boolean {
    return (this.#eof || this.#error !== null) && this.available === 0;
  }

  /** Why reading stopped early, if it did. */
  get error(): Error | null {
    return this.#error;
  }

  /** The next frame (a fresh array); only while `available` > 0. */
  take(): Int16Array {
    const out = new Int16Array(this.#frame);
    let filled = 0;
    while (filled < this.#frame) {
      const head = this.#pending[0]!;
      const n = Math.min(this.#frame - filled, head.length - this.#offset);
      out.set(head.subarray(this.#offset, this.#offset + n), filled);
      filled += n;
      this.#offset += n;
      if (this.#offset === head.length) {
        this.#pending.shift();
        this.#offset = 0;
      }
    }
    this.#buffered -= this.#frame;
    this.#taken += 1;
    return out;
  }

  /** Starts reading ahead when little is left; resolves when that read (if any) is done. */
  fill(): Promise<void> {
    if (this.#eof || this.#error) return this.#filling ?? Promise.resolve();
    if (this.#buffered >= this.#frame * (LOW_WATER_SECONDS * 50)) return Promise.resolve();
    this.#filling ??= this.#readMore().finally(() => {
      this.#filling = null;
    });
    return this.#filling;
  }

  /** Stops reading and frees the file and the resampler; done by itself at the end of the file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#eof = true;
    this.#resampler?.dispose();
    await this.#reader.close();
  }

  async #readMore(): Promise<void> {
    let samples: Int16Array | null;
    try {
      samples = await this.#reader.read(this.#readFrames);
    } catch (error) {
      this.#error = error as Error;
      await this.close();
      return;
    }
    if (this.#closed) return; // stopped while reading
    if (samples === null) {
      this.#padTail();
      await this.close();
      return;
    }
    let mono = downmix(samples, this.#reader.channels);
    if (this.#resampler) mono = float32ToInt16(this.#resampler.process(int16ToFloat32(mono)));
    this.#push(mono);
  }

  #push(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.#pending.push(samples);
    this.#buffered += samples.length;
  }

  /** Silence up to a whole frame, and one silent frame for a file without samples. */
  #padTail(): void {
    const partial = this.#buffered % this.#frame;
    if (partial > 0) this.#push(new Int16Array(this.#frame - partial));
    else if (this.#buffered === 0 && this.#taken === 0) this.#push(new Int16Array(this.#frame));
  }
}

function downmix(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c]!;
    out[i] = Math.round(sum / channels);
  }
  return out;
}
