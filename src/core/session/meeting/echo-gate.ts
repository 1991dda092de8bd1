import type { AudioFrame } from '../../../shared/audio-frame.ts';
import { BLOCK_MS, SignalTrack } from './signal-track.ts';

export interface EchoGateOptions {
  readonly sampleRate: number;
  /** Delays searched between system audio and its echo in the mic (ms; negative: the mic hears it first). */
  readonly minLagMs?: number;
  readonly maxLagMs?: number;
  /** Envelope correlation that proves the speakers are heard in the mic at a lag. */
  readonly lockCorrelation?: number;
  /** Sample correlation (at the locked lag ± a little) above which a mic frame counts as leak. */
  readonly leakCorrelation?: number;
}

export interface EchoGateStats {
  readonly micFrames: number;
  /** Mic frames silenced because the speakers' sound, not the person, filled them. */
  readonly gatedFrames: number;
  /** The delay from system audio to its echo in the mic, once found (ms). */
  readonly lagMs: number | null;
}

/**
 * The lag search: every 100 ms over the last 0.5 s. Short, so the first words the speakers play
 * are already kept out (the lock comes ~0.65 s into the first echo, and the echo frames held
 * meanwhile are judged with it); long enough that unrelated speech does not correlate by chance.
 */
const RELOCK_EVERY_FRAMES = 5;
const WINDOW_BLOCKS = 50;
/** The lag search leaves out the newest mic audio: its system audio may not have arrived yet. */
const WINDOW_SKIP_BLOCKS = 15;
/** Longest a mic frame waits for the system audio it is compared with (a system source that stalled). */
const MAX_HOLD_MS = 300;
const FINE_MS = 12;
/** Once the exact offset is known, how far around it each frame is compared. */
const NARROW_MS = 2;
/** System audio quieter than this (mean square, −60 dBFS) has nothing to leak. */
const SILENT = 1e-6;
/** After a leak frame, later frames are gated too unless the mic gets this much louder (the person starts talking). */
const HANGOVER_FRAMES = 5;
const HANGOVER_LOUDER = 4;
/** A frame this correlated is leak beyond doubt: its offset is the echo's exact delay. */
const SURE_LEAK = 0.8;
/** …and only while the frame still follows the speakers this much (own speech over the leak does not). */
const HANGOVER_CORRELATION = 0.3;

/**
 * Keeps the speakers' sound out of the microphone's transcript (meeting mode). System audio is
 * the reference: when a mic frame is explained by it (high normalised cross-correlation with
 * the system audio at the echo's delay) the frame is silenced before it reaches the speech
 * service, so the other side's words are not transcribed a second time as "You". Own speech,
 * alone or over the other side (double talk), correlates weakly with the reference and passes.
 *
 * The echo's delay is found from the two sources' 10 ms energy envelopes on the shared capture
 * clock (searched every 100 ms over minLag…maxLag), then refined per frame at sample level
 * within ±12 ms, which also absorbs drift. Silencing rather than subtracting keeps the mic's
 * frame count (its clock) intact and works when the room colours the echo, where a single-tap
 * subtraction would leave most of it.
 */
export class EchoGate {
  readonly #mic: SignalTrack;
  readonly #system: SignalTrack;
  readonly #minLag: number;
  readonly #maxLag: number;
  readonly #lock: number;
  readonly #leak: number;
  #lagMs: number | null = null;
  /**
   * The echo's exact delay in samples around `#lagMs`, learnt from frames that are clearly pure
   * leak. Searching ±12 ms on every frame would let voiced speech (periodic) find a chance match.
   */
  #fineOffset: number | null = null;
  #sinceRelock = 0;
  #micFrames = 0;
  #gated = 0;
  #hangover = 0;
  #leakLevel = 0;
  readonly #held: AudioFrame[] = [];
  readonly #out: (frame: AudioFrame) => void;

  /** `out`: where mic frames go once judged (in order; leak frames as silence). */
  constructor(options: EchoGateOptions, out: (frame: AudioFrame) => void) {
    this.#out = out;
    const history = (options.maxLagMs ?? 400) + WINDOW_BLOCKS * BLOCK_MS + 1000;
    this.#mic = new SignalTrack(options.sampleRate, history);
    this.#system = new SignalTrack(options.sampleRate, history);
    this.#minLag = options.minLagMs ?? -100;
    this.#maxLag = options.maxLagMs ?? 400;
    this.#lock = options.lockCorrelation ?? 0.6;
    this.#leak = options.leakCorrelation ?? 0.5;
  }

  get stats(): EchoGateStats {
    return { micFrames: this.#micFrames, gatedFrames: this.#gated, lagMs: this.#lagMs };
  }

  /** A frame of system audio (the reference): mic frames waiting for it are judged. */
  reference(frame: AudioFrame): void {
    this.#system.push(frame);
    this.#release();
  }

  /**
   * A mic frame on its way to the speech service. It goes out (to `out`) once the system audio
   * of its time has arrived from the other capture process, or after MAX_HOLD_MS regardless.
   */
  mic(frame: AudioFrame): void {
    this.#micFrames += 1;
    this.#mic.push(frame);
    if (++this.#sinceRelock >= RELOCK_EVERY_FRAMES) {
      this.#sinceRelock = 0;
      const lag = this.#findLag() ?? this.#lagMs;
      if (lag !== this.#lagMs) this.#fineOffset = null;
      this.#lagMs = lag;
    }
    this.#held.push(frame);
    this.#release();
  }

  /** The mic frames still waiting go out as they are (the session is stopping, or system audio is gone). */
  flush(): void {
    for (const frame of this.#held.splice(0)) this.#out(frame);
  }

  #release(): void {
    const newest = this.#held.at(-1);
    while (this.#held.length > 0) {
      const frame = this.#held[0]!;
      const frameEnd = frame.captureTimeMs + (frame.samples.length * 1000) / frame.sampleRate;
      const needed = frameEnd - (this.#lagMs ?? 0) + FINE_MS;
      const waited = newest!.captureTimeMs - frame.captureTimeMs;
      if (this.#system.timeOf(this.#system.length) < needed && waited < MAX_HOLD_MS) return;
      this.#held.shift();
      this.#out(this.#judge(frame));
    }
  }

  #judge(frame: AudioFrame): AudioFrame {
    if (!this.#isLeak(frame)) return frame;
    this.#gated += 1;
    return { ...frame, samples: new Int16Array(frame.samples.length) };
  }

  #isLeak(frame: AudioFrame): boolean {
    const energy = meanSquare(frame.samples);
    if (this.#lagMs === null || energy === 0) return false;
    let correlation = this.#frameCorrelation(frame, this.#lagMs, this.#fineOffset !== null);
    // The two capture clocks drift apart by a few ms over a call: when the learnt offset no longer
    // fits, search wide again, trusting only a match beyond doubt (chance matches stay below).
    if (correlation < this.#leak && this.#fineOffset !== null) {
      const wide = this.#frameCorrelation(frame, this.#lagMs, false);
      if (wide >= SURE_LEAK) correlation = wide;
    }
    if (correlation >= this.#leak) {
      this.#hangover = HANGOVER_FRAMES;
      this.#leakLevel = energy;
      return true;
    }
    // The edges of an echoed word correlate less; they are leak still, unless the person speaks up.
    if (this.#hangover > 0 && correlation >= HANGOVER_CORRELATION && energy <= this.#leakLevel * HANGOVER_LOUDER) {
      this.#hangover -= 1;
      return true;
    }
    this.#hangover = 0;
    return false;
  }

  /** Highest normalised correlation of the mic frame with system audio near `lagMs` earlier. */
  #frameCorrelation(frame: AudioFrame, lagMs: number, narrow: boolean): number {
    const n = frame.samples.length;
    const mic = Float32Array.from(frame.samples, (v) => v / 32768);
    const sys = this.#system.samples;
    const coarse = this.#system.indexAt(frame.captureTimeMs - lagMs);
    const center = coarse + (narrow ? (this.#fineOffset ?? 0) : 0);
    const reach = Math.round(((narrow ? NARROW_MS : FINE_MS) * this.#system.sampleRate) / 1000);
    let micEnergy = 0;
    for (let i = 0; i < n; i++) micEnergy += mic[i]! * mic[i]!;
    let best = 0;
    let bestStart = center;
    for (
      let start = Math.max(0, center - reach);
      start <= center + reach && start + n <= this.#system.length;
      start++
    ) {
      let dot = 0;
      let sysEnergy = 0;
      for (let i = 0; i < n; i++) {
        const s = sys[start + i]!;
        dot += mic[i]! * s;
        sysEnergy += s * s;
      }
      if (sysEnergy / n < SILENT) continue;
      const c = dot / Math.sqrt(micEnergy * sysEnergy);
      if (c > best) {
        best = c;
        bestStart = start;
      }
    }
    if (best >= SURE_LEAK) this.#fineOffset = bestStart - coarse;
    return best;
  }

  /** The delay at which the mic's envelope follows the system audio's, or null when it does not. */
  #findLag(): number | null {
    const micBlocks = Math.floor(this.#mic.length / this.#mic.blockSize) - WINDOW_SKIP_BLOCKS;
    if (micBlocks < WINDOW_BLOCKS) return null;
    const micEnv: number[] = [];
    for (let b = micBlocks - WINDOW_BLOCKS; b < micBlocks; b++) micEnv.push(Math.sqrt(this.#mic.energy(b)!));
    const firstTime = this.#mic.timeOf((micBlocks - WINDOW_BLOCKS) * this.#mic.blockSize);
    let bestLag: number | null = null;
    let best = this.#lock;
    for (let lag = this.#minLag; lag <= this.#maxLag; lag += BLOCK_MS) {
      const firstBlock = Math.round(this.#system.indexAt(firstTime - lag) / this.#system.blockSize);
      const sysEnv: number[] = [];
      for (let i = 0; i < WINDOW_BLOCKS; i++) {
        const e = this.#system.energy(firstBlock + i);
        if (e === null) break;
        sysEnv.push(Math.sqrt(e));
      }
      if (sysEnv.length < WINDOW_BLOCKS) continue;
      const r = pearson(micEnv, sysEnv);
      if (r > best) {
        best = r;
        bestLag = lag;
      }
    }
    return bestLag;
  }
}

function meanSquare(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return sum / Math.max(1, samples.length);
}

/** Pearson correlation; 0 when either side is flat (silence proves nothing). */
function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}
