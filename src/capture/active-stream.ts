import type { DeviceInfo } from '../shared/devices.ts';
import { EarshotError } from '../shared/errors.ts';
import { CapturePipeline } from './dsp/capture-pipeline.ts';
import { DEFAULT_DEVICE_KEY } from '../shared/devices.ts';
import { findDevice } from '../shared/device-list.ts';
import { portAudioError } from './portaudio-errors.ts';
import { openInput } from './open-input.ts';
import type { InputStream } from './portaudio.ts';
import type { CaptureStream, OpenStreamRequest, StreamSink } from './audio-backend.ts';

/**
 * One open device with its signal path: the PortAudio stream feeding a CapturePipeline.
 * `key` is what was asked for ("default" or a device key), `device` what it resolved to.
 */
export class ActiveStream implements CaptureStream {
  readonly key: string;
  readonly device: DeviceInfo;
  readonly sessionRate: number;
  readonly #input: InputStream;
  readonly #pipeline: CapturePipeline;
  #gotData = false;
  #closed = false;

  private constructor(
    key: string,
    device: DeviceInfo,
    sessionRate: number,
    input: InputStream,
    pipeline: CapturePipeline,
  ) {
    this.key = key;
    this.device = device;
    this.sessionRate = sessionRate;
    this.#input = input;
    this.#pipeline = pipeline;
  }

  /** See AudioBackend.openStream. */
  static async open(request: OpenStreamRequest, sink: StreamSink): Promise<ActiveStream> {
    const { devices, key, sessionRate, wantedRate } = request;
    const device = findDevice(devices, key);
    if (!device) {
      if (devices.length === 0) throw new EarshotError('NO_INPUT_DEVICES');
      throw new EarshotError(
        'DEVICE_NOT_FOUND',
        key === DEFAULT_DEVICE_KEY
          ? 'There is no default microphone right now. Choose a microphone by name.'
          : `No microphone “${key}” is connected. Plug it in, or choose one of: ${devices.map((d) => d.name).join(', ')}.`,
      );
    }
    const input = openInput(device, wantedRate, key === DEFAULT_DEVICE_KEY);
    let pipeline: CapturePipeline;
    try {
      pipeline = await CapturePipeline.create(
        { deviceRate: input.format.sampleRate, channels: input.format.channels, sessionRate, deviceName: device.name },
        sink,
      );
    } catch (error) {
      await input.close();
      throw error;
    }
    const stream = new ActiveStream(key, device, sessionRate, input, pipeline);
    try {
      input.start(
        (samples, arrivalMs) => {
          stream.#gotData = true;
          pipeline.push(samples, arrivalMs);
        },
        (error) => {
          if (!stream.#closed) sink.ended(error);
        },
      );
    } catch (error) {
      await stream.close();
      throw portAudioError(error, device.name);
    }
    return stream;
  }

  get deviceRate(): number {
    return this.#input.format.sampleRate;
  }

  get deviceChannels(): number {
    return this.#input.format.channels;
  }

  /** Whether any audio arrived since the stream opened. */
  get gotData(): boolean {
    return this.#gotData;
  }

  get stalled(): boolean {
    return this.#pipeline.healthActive.has('stalled');
  }

  tick(nowMs: number): void {
    this.#pipeline.tick(nowMs);
  }

  /** Stops the device; clears this stream's health warnings. Never throws (logs via the returned note). */
  async close(): Promise<string | null> {
    if (this.#closed) return null;
    this.#closed = true;
    this.#pipeline.close();
    try {
      await this.#input.close();
      return null;
    } catch (error) {
      return `closing “${this.device.name}” failed: ${(error as Error).message}`;
    }
  }
}
