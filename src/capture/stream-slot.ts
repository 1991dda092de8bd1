import type { OpenedStream } from '../shared/capture-protocol.ts';
import type { DeviceInfo } from '../shared/devices.ts';
import type { AudioBackend, CaptureStream, StreamSink } from './audio-backend.ts';
import type { FrameOutput } from './frame-output.ts';
import type { ServiceIo } from './service-io.ts';

/**
 * A pause in the audio this long is a stall even when the audio resumes by itself: no
 * working device pauses half a second, and one that does is worth a check. (Event-loop
 * delays do not count: the device queue holds that audio, see CaptureClock.)
 */
const STALL_GAP_MS = 500;
/**
 * How often an open stream's stall watch looks at the wall clock. A stall is a second without
 * audio, so a quarter second is precise enough; the watch runs only while a stream is open,
 * so an idle capture process has no timer at all (each wake-up of a sleeping process costs).
 */
export const STALL_TICK_MS = 250;

export interface StreamSlotOptions {
  readonly io: ServiceIo;
  readonly frames: FrameOutput;
  /** A fresh device list to resolve keys in. */
  readonly listDevices: () => Promise<readonly DeviceInfo[]>;
  /** The open stream paused and resumed, or ended by itself: the service decides what to do. */
  readonly onTrouble: (stream: CaptureStream, reason: string) => void;
  /** Every STALL_TICK_MS while a stream is open: the wall clock for its stall watch. */
  readonly onTick: (stream: CaptureStream) => void;
}

/**
 * The one open stream of the capture process: opens it at the session's rates, routes its
 * audio, levels and health to the service's output, and reports its trouble. Called only
 * from inside the service's serial operations.
 */
export class StreamSlot {
  readonly #options: StreamSlotOptions;
  readonly #backend: AudioBackend;
  #stream: CaptureStream | null = null;
  #ticker: NodeJS.Timeout | null = null;
  /** The rate the session asked for. */
  sessionRate = 16000;
  /** The device rate asked for; undefined: the session's. */
  captureRate: number | undefined;

  constructor(options: StreamSlotOptions) {
    this.#options = options;
    this.#backend = options.io.backend;
  }

  get current(): CaptureStream | null {
    return this.#stream;
  }

  async open(key: string): Promise<CaptureStream> {
    const { io } = this.#options;
    const devices = await this.#options.listDevices();
    const stream = await this.#backend.openStream(
      { devices, key, sessionRate: this.sessionRate, wantedRate: this.captureRate ?? this.sessionRate },
      this.#sink(),
    );
    this.#stream = stream;
    this.#ticker ??= setInterval(() => {
      if (this.#stream) this.#options.onTick(this.#stream);
    }, STALL_TICK_MS).unref();
    io.log(
      'info',
      `opened “${stream.device.name}” at ${stream.deviceRate} Hz × ${stream.deviceChannels} → ${stream.sessionRate} Hz`,
    );
    io.emit({ type: 'stream-opened', stream: describeStream(stream) });
    return stream;
  }

  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = null;
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    const problem = await stream?.close();
    if (problem) this.#options.io.log('warn', problem);
  }

  #sink(): StreamSink {
    const { io, frames, onTrouble } = this.#options;
    return {
      frame: (samples, captureTimeMs, callbackMs) =>
        frames.accept(samples, captureTimeMs, this.sessionRate, callbackMs),
      level: (level) => io.emit({ type: 'level', level }),
      health: (warning) => io.emit({ type: 'health', warning }),
      gap: (ms) => {
        // PulseAudio moves a stream whose source vanished onto another source after a pause
        // of ~1.5 s: the audio resumes, but from the wrong microphone. Treat it as a stall.
        const stream = this.#stream;
        if (stream && ms > STALL_GAP_MS) onTrouble(stream, `paused for ${Math.round(ms)} ms and resumed`);
      },
      ended: (error) => {
        const stream = this.#stream;
        if (stream) onTrouble(stream, `stopped delivering audio (${error?.message ?? 'stream ended'})`);
      },
    };
  }
}

export function describeStream(stream: CaptureStream): OpenedStream {
  return {
    device: stream.device,
    deviceRate: stream.deviceRate,
    deviceChannels: stream.deviceChannels,
    sessionRate: stream.sessionRate,
  };
}
