import { EventEmitter } from 'node:events';
import type { CaptureHostEvents, CaptureStartOptions } from '../../src/core/capture-host/capture-host.ts';
import type { StartLocalEngineOptions } from '../../src/core/engine-host/launcher.ts';
import type { CaptureHandle, EngineHandle, LaunchEngine } from '../../src/core/app/types.ts';
import { DEFAULT_DEVICE_KEY, type DeviceInfo } from '../../src/shared/devices.ts';
import { EarshotError } from '../../src/shared/errors.ts';
import { FakeOpenAi } from './fake-openai.ts';
import { SyntheticSource } from './synthetic-source.ts';
import type { SyntheticSpeech } from './word-audio.ts';

/**
 * Stand-ins for the two processes the app core starts, passed through `AppCoreOptions.launch`,
 * so the app-core controllers are tested where no sound system or model exists.
 *
 * - FakeCapture answers like CaptureHost (src/core/capture-host/capture-host.ts): a device list, `start` that opens a listed device
 *   (DEVICE_NOT_FOUND otherwise) and announces `streamOpened`, then delivers the speech it
 *   was given as 20 ms frames at `speed` × real time.
 * - FakeEngines launches, per engine start, a FakeOpenAi server in the embedded engine's
 *   dialect (GA shape at 16 kHz, Bearer token) on a loopback port 0, or fails as told, the way
 *   startLocalEngine (src/core/engine-host/launcher.ts) rejects with the child's error code.
 */
export function device(name: string, patch: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    key: `ALSA:${name}`,
    name,
    index: 0,
    hostApi: 'ALSA',
    maxInputChannels: 1,
    defaultSampleRate: 48_000,
    isDefault: false,
    kind: 'microphone',
    ...patch,
  };
}

export class FakeCapture extends EventEmitter<CaptureHostEvents> implements CaptureHandle {
  devices: DeviceInfo[];
  /** Audio the "microphone" hears once capture starts, or null for none. */
  speech: SyntheticSpeech | null = null;
  readonly starts: CaptureStartOptions[] = [];
  stops = 0;
  disposed = false;
  #source: SyntheticSource | null = null;
  readonly #speed: number;

  constructor(devices: DeviceInfo[], options: { speed?: number } = {}) {
    super();
    this.devices = devices;
    this.#speed = options.speed ?? 20;
  }

  /** True while frames are being delivered. */
  get capturing(): boolean {
    return this.#source !== null;
  }

  /** Resolves once every frame of `speech` was delivered. */
  get played(): Promise<void> {
    if (!this.#source) return Promise.reject(new Error('the fake capture is not capturing'));
    return this.#source.ended;
  }

  listDevices(): Promise<DeviceInfo[]> {
    return Promise.resolve([...this.devices]);
  }

  refreshDevices(): Promise<DeviceInfo[]> {
    this.emit('devicesChanged', [...this.devices]);
    return this.listDevices();
  }

  async start(options: CaptureStartOptions): Promise<{ device: DeviceInfo }> {
    this.starts.push(options);
    const opened =
      this.devices.find((d) => d.key === options.deviceKey) ??
      (options.deviceKey === DEFAULT_DEVICE_KEY ? this.devices.find((d) => d.isDefault) : undefined);
    if (!opened) throw new EarshotError('DEVICE_NOT_FOUND');
    if (this.speech && this.speech.sampleRate !== options.sampleRate)
      throw new Error(`the test's speech is at ${this.speech.sampleRate} Hz, the session asked ${options.sampleRate}`);
    this.emit('streamOpened', {
      device: opened,
      deviceRate: opened.defaultSampleRate,
      deviceChannels: 1,
      sessionRate: options.sampleRate,
    });
    if (this.speech) {
      this.#source = new SyntheticSource(options.sampleRate, this.speech.samples, this.#speed);
      await this.#source.start((frame) => this.emit('frame', frame));
    }
    return { device: opened };
  }

  async stop(): Promise<void> {
    this.stops += 1;
    await this.#source?.stop();
    this.#source = null;
  }

  setDevice(key: string): Promise<void> {
    if (!this.devices.some((d) => d.key === key)) return Promise.reject(new EarshotError('DEVICE_NOT_FOUND'));
    return Promise.resolve();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }
}

export class FakeEngine extends EventEmitter<{ crash: [reason: string] }> implements EngineHandle {
  readonly url: string;
  readonly token: string;
  readonly options: StartLocalEngineOptions;
  /** The engine's server; null for an engine that serves nothing (socket-free tests). */
  readonly server: FakeOpenAi | null;
  stopped = false;

  constructor(options: StartLocalEngineOptions, token: string, server: FakeOpenAi | null) {
    super();
    this.options = options;
    this.token = token;
    this.server = server;
    this.url = server?.url ?? 'ws://127.0.0.1:9/v1/realtime?intent=transcription';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.server?.close();
  }
}

export class FakeEngines {
  readonly started: FakeEngine[] = [];
  /** The next launches reject with this, as startLocalEngine does when the model cannot load. */
  failWith: EarshotError | null = null;
  readonly #serve: boolean;

  /** `serve: false`: engines listen nowhere (for tests that never connect). */
  constructor(options: { serve?: boolean } = {}) {
    this.#serve = options.serve ?? true;
  }

  readonly launch: LaunchEngine = async (options) => {
    if (this.failWith) throw this.failWith;
    const token = `engine-token-${this.started.length + 1}`;
    const server = this.#serve ? await new FakeOpenAi({ apiKey: token, allowRate16k: true }).start() : null;
    const engine = new FakeEngine(options, token, server);
    this.started.push(engine);
    return engine;
  };

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((engine) => engine.stop()));
  }
}
