import { LEVEL_FLOOR_DB, toDbfs, type Level } from '../../shared/devices.ts';

export { LEVEL_FLOOR_DB, toDbfs };

/**
 * RMS and peak of the input in dBFS, one reading per `intervalMs` of audio (50 ms → 20 per
 * second, enough for a smooth meter without flooding IPC). Measured on the mono signal at the
 * device rate, before resampling, so the peak is the one that actually clipped.
 */
export class LevelMeter {
  readonly #blockLength: number;
  readonly #onLevel: (level: Level) => void;
  #sumSquares = 0;
  #peak = 0;
  #count = 0;

  constructor(sampleRate: number, onLevel: (level: Level) => void, intervalMs = 50) {
    this.#blockLength = Math.max(1, Math.round((sampleRate * intervalMs) / 1000));
    this.#onLevel = onLevel;
  }

  push(mono: Float32Array): void {
    for (let i = 0; i < mono.length; i++) {
      const s = mono[i]!;
      this.#sumSquares += s * s;
      const a = s < 0 ? -s : s;
      if (a > this.#peak) this.#peak = a;
      if (++this.#count === this.#blockLength) this.#emit();
    }
  }

  reset(): void {
    this.#sumSquares = this.#peak = this.#count = 0;
  }

  #emit(): void {
    const rms = Math.sqrt(this.#sumSquares / this.#count);
    this.#onLevel({ rmsDb: round1(toDbfs(rms)), peakDb: round1(toDbfs(this.#peak)) });
    this.reset();
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
