/**
 * Wall-clock time of each captured sample. PortAudio's own timestamps do not survive the
 * binding, so the clock is inferred: a chunk of audio that arrives at wall time T, ending at
 * sample N, began no later than T − N/rate. The smallest such estimate is the one with the
 * least scheduling delay; arrivals jitter only upwards. The anchor follows slow drift between
 * the device and system clocks, and jumps on a real gap (a device that stalled and resumed).
 */
export class CaptureClock {
  readonly #msPerSample: number;
  #anchorMs: number | null = null;
  #samples = 0;

  constructor(sampleRate: number) {
    this.#msPerSample = 1000 / sampleRate;
  }

  /** A gap this large means samples were lost, not delayed. */
  static readonly GAP_MS = 150;
  /** How fast the anchor may move later to follow drift: a fraction of each observed lag. */
  static readonly SLEW = 0.002;

  /** `count` samples arrived at wall time `arrivalMs`. */
  observe(count: number, arrivalMs: number): void {
    this.#samples += count;
    const candidate = arrivalMs - this.#samples * this.#msPerSample;
    if (this.#anchorMs === null || candidate < this.#anchorMs) this.#anchorMs = candidate;
    else if (candidate - this.#anchorMs > CaptureClock.GAP_MS) this.#anchorMs = candidate;
    else this.#anchorMs += (candidate - this.#anchorMs) * CaptureClock.SLEW;
  }

  /** Wall-clock ms at which sample `index` (counted from the stream's start) was captured. */
  timeOfSample(index: number): number {
    if (this.#anchorMs === null) throw new Error('CaptureClock has seen no audio yet.');
    return this.#anchorMs + index * this.#msPerSample;
  }

  get samplesSeen(): number {
    return this.#samples;
  }
}
