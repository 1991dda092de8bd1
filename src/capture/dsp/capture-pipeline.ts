import type { HealthWarning, Level } from '../../shared/devices.ts';
import { CaptureClock } from './capture-clock.ts';
import { downmixToMono } from './downmix.ts';
import { samplesPerFrame, wallClockMs } from '../../shared/audio-frame.ts';
import { Framer } from './framer.ts';
import { InputHealthWatchdog, type InputHealthOptions } from './input-health.ts';
import { LevelMeter } from './level-meter.ts';
import { createResampler, type Resampler } from '../../platform/audio/resampler.ts';

export interface PipelineFormat {
  /** Rate and channel count the device delivers. */
  readonly deviceRate: number;
  readonly channels: number;
  /** Rate of the frames handed to the session (16 kHz, 24 kHz, …). */
  readonly sessionRate: number;
  readonly deviceName: string;
}

export interface PipelineSink {
  /** A 20 ms PCM16 mono frame; `callbackMs` is when the data that completed it arrived. */
  frame(samples: Int16Array, captureTimeMs: number, callbackMs: number): void;
  level(level: Level): void;
  health(warning: HealthWarning): void;
  /** `ms` of audio went missing before the latest chunk (the device paused and resumed). */
  gap?(ms: number): void;
}

/**
 * Everything between the device and a frame, for one open stream: downmix to mono, level
 * meter and input-health watchdog on the raw signal, anti-aliased resampling to the session
 * rate, exact 20 ms framing, and a capture timestamp per frame. Pure computation, no I/O:
 * the capture process feeds it device chunks; tests and benchmarks feed it arrays.
 */
export class CapturePipeline {
  readonly format: PipelineFormat;
  readonly #sink: PipelineSink;
  readonly #resampler: Resampler;
  readonly #framer: Framer;
  readonly #meter: LevelMeter;
  readonly #health: InputHealthWatchdog;
  readonly #clock: CaptureClock;
  /** Device samples per session sample, to place each frame on the device's clock. */
  readonly #ratio: number;
  #mono = new Float32Array(0);
  #callbackMs = 0;
  #closed = false;

  private constructor(
    format: PipelineFormat,
    sink: PipelineSink,
    resampler: Resampler,
    healthOptions: InputHealthOptions,
    nowMs: number,
  ) {
    this.format = format;
    this.#sink = sink;
    this.#resampler = resampler;
    this.#ratio = format.deviceRate / format.sessionRate;
    this.#clock = new CaptureClock(format.deviceRate);
    const frameLength = samplesPerFrame(format.sessionRate);
    this.#framer = new Framer(frameLength, (samples, index) => {
      const captureTimeMs = this.#clock.timeOfSample(index * frameLength * this.#ratio);
      this.#sink.frame(samples, captureTimeMs, this.#callbackMs);
    });
    this.#meter = new LevelMeter(format.deviceRate, (level) => this.#sink.level(level));
    this.#health = new InputHealthWatchdog((warning) => this.#sink.health(warning), healthOptions);
    this.#health.open(format.deviceName, nowMs);
  }

  static async create(
    format: PipelineFormat,
    sink: PipelineSink,
    options: { health?: InputHealthOptions; nowMs?: number } = {},
  ): Promise<CapturePipeline> {
    if (!Number.isInteger(samplesPerFrame(format.sessionRate))) {
      throw new RangeError(`A 20 ms frame at ${format.sessionRate} Hz is not a whole number of samples.`);
    }
    const resampler = await createResampler(format.deviceRate, format.sessionRate);
    return new CapturePipeline(format, sink, resampler, options.health ?? {}, options.nowMs ?? wallClockMs());
  }

  /** Active health warnings (e.g. to decide whether a stall needs a device check). */
  get healthActive(): ReadonlySet<HealthWarning['kind']> {
    return this.#health.active;
  }

  /** One chunk of interleaved PCM16 from the device, which reached JavaScript at `arrivalMs`. */
  push(interleaved: Int16Array, arrivalMs: number): void {
    if (this.#closed) return;
    const { channels, deviceRate } = this.format;
    const frames = Math.floor(interleaved.length / channels);
    if (frames === 0) return;
    this.#callbackMs = arrivalMs;
    const missingMs = this.#clock.observe(frames, arrivalMs);
    if (missingMs > 0) this.#sink.gap?.(missingMs);
    this.#health.onData(interleaved, channels, deviceRate, arrivalMs);
    if (this.#mono.length < frames) this.#mono = new Float32Array(frames);
    const mono = downmixToMono(interleaved, channels, this.#mono);
    this.#meter.push(mono);
    this.#framer.push(this.#resampler.process(mono));
  }

  /** Wall-clock tick for the stall detector. */
  tick(nowMs: number): void {
    if (!this.#closed) this.#health.tick(nowMs);
  }

  /** Ends the stream: clears its warnings and frees the resampler. A partial frame is dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#health.close();
    this.#resampler.dispose();
  }
}
