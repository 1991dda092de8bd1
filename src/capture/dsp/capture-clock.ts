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
  /** While a lag above GAP_MS is being confirmed: when it began and its smallest value. */
  #suspectSince: number | null = null;
  #suspectLag = 0;

  constructor(sampleRate: number) {
    this.#msPerSample = 1000 / sampleRate;
  }

  /** A gap this large means samples were lost, not delayed. */
  static readonly GAP_MS = 150;
  /** How long a lag must persist (chunks arriving at their normal pace) to count as a gap. */
  static readonly CONFIRM_MS = 250;
  /** How fast the anchor may move later to follow drift: a fraction of each observed lag. */
  static readonly SLEW = 0.002;

  /**
   * `count` samples arrived at wall time `arrivalMs`. Returns how many ms of audio went
   * missing (0 normally). A late chunk alone proves nothing — a busy event loop delays
   * chunks that the device queue then delivers in a burst, catching up — so a gap counts only
   * once the lag has persisted for CONFIRM_MS; the smallest lag seen in that time is its size.
   */
  observe(count: number, arrivalMs: number): number {
    this.#samples += count;
    const candidate = arrivalMs - this.#samples * this.#msPerSample;
    if (this.#anchorMs === null || candidate < this.#anchorMs) {
      this.#anchorMs = candidate;
      this.#suspectSince = null;
      return 0;
    }
    const lag = candidate - this.#anchorMs;
    if (lag <= CaptureClock.GAP_MS) {
      this.#anchorMs += lag * CaptureClock.SLEW;
      this.#suspectSince = null;
      return 0;
    }
    if (this.#suspectSince === null) {
      this.#suspectSince = arrivalMs;
      this.#suspectLag = lag;
    } else {
      this.#suspectLag = Math.min(this.#suspectLag, lag);
    }
    if (arrivalMs - this.#suspectSince < CaptureClock.CONFIRM_MS) return 0;
    const missing = this.#suspectLag;
    this.#anchorMs += missing;
    this.#suspectSince = null;
    return missing;
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
