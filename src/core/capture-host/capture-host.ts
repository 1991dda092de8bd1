import { EventEmitter } from 'node:events';
import {
  CAPTURE_PROTOCOL_VERSION,
  parseCaptureMessage,
  type CaptureParentMessage,
  type CaptureRequest,
  type CaptureRequestBody,
  type HelperNoticeBody,
  type OpenedStream,
} from '../../shared/capture-protocol.ts';
import type { DeviceInfo, DeviceLost, HealthWarning, Level } from '../../shared/devices.ts';
import { EarshotError, isErrorCode, type ErrorCode } from '../../shared/errors.ts';
import type { ErrorPayload } from '../../shared/result.ts';
import type { AudioFrame } from '../../shared/audio-frame.ts';
import { wallClockMs } from '../../shared/audio-frame.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { ProcessHost, type CrashReport } from '../../platform/process/process-host.ts';
import type { SpawnChild } from '../../platform/process/types.ts';
import { HelperPool, type HelperExit } from './helper-pool.ts';
import { withQuietAudioStderr } from './quiet-stderr.ts';

export type { HelperExit } from './helper-pool.ts';

export interface CaptureHostOptions {
  /** How the child starts: Electron's utilityProcess in the app, `spawnNodeChild` elsewhere. */
  readonly spawn: SpawnChild;
  /**
   * The capture entry (`CAPTURE_ENTRY` from ./entry.ts in Node; the built file in the app). The
   * capture process's helpers (device probes, presence watchers) are this module too, started
   * with `spawn` on the capture process's request: it cannot start processes itself.
   */
  readonly modulePath: string;
  /** Extra environment for the child and its helpers (tests pass HOME and PULSE_SERVER of their virtual mic). */
  readonly env?: Record<string, string>;
  /** How long one request may take before it fails (default 15 s). */
  readonly requestTimeoutMs?: number;
}

export interface CaptureStartOptions {
  /** A key from `listDevices()`, or DEFAULT_DEVICE_KEY ('default') to follow the OS default. */
  readonly deviceKey: string;
  /** Rate of the frames: 16000 or 24000 for the providers; any rate with whole 20 ms frames works. */
  readonly sampleRate: number;
  /** Audio from before `start` to deliver first, if the device was already open (default 500). */
  readonly preRollMs?: number;
  /** When the device disappears, continue on the system default and switch back (default true). */
  readonly fallbackToDefault?: boolean;
  /** Opens the device at this rate instead of the session rate (tests and benchmarks). */
  readonly captureRate?: number;
}

/** Per-frame timing, for latency measurements (see bench/suites/capture.ts). */
export interface FrameTimingSample {
  readonly seq: number;
  /** When the data completing the frame reached JavaScript in the capture process. */
  readonly callbackMs: number;
  readonly sentMs: number;
  readonly receivedMs: number;
  readonly captureTimeMs: number;
}

export interface CaptureHostEvents {
  /** A 20 ms PCM16 frame; `seq` is continuous across device switches and child restarts. */
  frame: [AudioFrame];
  /** RMS/peak dBFS, about 20 per second while a device is open. */
  level: [Level];
  health: [HealthWarning];
  devicesChanged: [DeviceInfo[]];
  deviceLost: [DeviceLost];
  deviceRestored: [DeviceInfo];
  /** The device and format now in use (after start, a fallback, a restore or setDevice). */
  streamOpened: [OpenedStream];
  frameTiming: [FrameTimingSample];
  /** A failure outside any call (device gone without fallback, the process crashed). */
  error: [ErrorPayload];
  /** A helper process (probe, presence watcher) ended; for measurements. */
  helperExited: [HelperExit];
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Main's handle on the capture process: starts it on first use, turns calls into numbered
 * requests and its messages into events, restarts it after a crash and resumes capture where
 * it was (same device and options, frame numbers continuing).
 */
export class CaptureHost extends EventEmitter<CaptureHostEvents> {
  readonly #process: ProcessHost<unknown, CaptureParentMessage>;
  readonly #helpers: HelperPool;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  readonly #log = createLogger('capture-host');
  #nextId = 1;
  /** What capture was started with, to resume it after a crash; null when not capturing. */
  #capturing: CaptureStartOptions | null = null;
  #seqBase = 0;
  #nextSeq = 0;
  #disposed = false;

  constructor(options: CaptureHostOptions) {
    super();
    this.#timeoutMs = options.requestTimeoutMs ?? 15_000;
    const spawn = withQuietAudioStderr(options.spawn);
    this.#process = new ProcessHost<unknown, CaptureParentMessage>({
      name: 'capture',
      spawn,
      modulePath: options.modulePath,
      ...(options.env ? { env: options.env } : {}),
    });
    this.#helpers = new HelperPool({
      spawn,
      modulePath: options.modulePath,
      ...(options.env ? { env: options.env } : {}),
      notify: (notice) => this.#notifyChild(notice),
      onExit: (exit) => this.emit('helperExited', exit),
    });
    this.#process.on('message', (message) => this.#onMessage(message));
    this.#process.on('crash', (report) => {
      // Helpers never outlive the capture process that asked for them.
      this.#helpers.stopAll();
      this.#onCrash(report);
    });
    this.#process.on('state', (state) => {
      if (state === 'stopped' || state === 'failed') this.#helpers.stopAll();
    });
    this.#process.on('ready', () => this.#onReady());
  }

  /** The capture process's pid while it runs (for CPU measurements). */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Pids of its helper processes running now (for CPU measurements and tests). */
  get helperPids(): number[] {
    return this.#helpers.pids;
  }

  /** Input devices, as last enumerated (enumerates on first call). */
  listDevices(): Promise<DeviceInfo[]> {
    return this.#request<DeviceInfo[]>({ type: 'list-devices', refresh: false });
  }

  /** Enumerates anew (a device just plugged in); emits `devicesChanged` if the list changed. */
  refreshDevices(): Promise<DeviceInfo[]> {
    return this.#request<DeviceInfo[]>({ type: 'list-devices', refresh: true });
  }

  /**
   * Opens the device without delivering frames: `level` and `health` flow (a level meter for
   * the device picker) and the pre-roll fills, so a following `start` loses no first words.
   */
  async monitor(opts: { deviceKey: string; sampleRate: number }): Promise<{ device: DeviceInfo }> {
    const opened = await this.#request<OpenedStream>({
      type: 'monitor',
      deviceKey: opts.deviceKey,
      sampleRate: opts.sampleRate,
    });
    return { device: opened.device };
  }

  /** Starts delivering `frame` events. Rejects with DEVICE_* codes a person can read. */
  async start(opts: CaptureStartOptions): Promise<{ device: DeviceInfo }> {
    const full = { preRollMs: 500, fallbackToDefault: true, ...opts };
    this.#seqBase = 0;
    this.#nextSeq = 0;
    const opened = await this.#request<OpenedStream>(startRequest(full));
    this.#capturing = full;
    return { device: opened.device };
  }

  /** Stops capturing and closes the device; resolves after the last frame was emitted. */
  async stop(): Promise<void> {
    this.#capturing = null;
    if (this.#process.state !== 'ready') return;
    await this.#request({ type: 'stop' });
  }

  /** Switches the device: live while capturing (frames continue), else for the next start. */
  async setDevice(key: string): Promise<void> {
    await this.#request({ type: 'set-device', deviceKey: key });
    if (this.#capturing) this.#capturing = { ...this.#capturing, deviceKey: key };
  }

  /** Stops capture and the process; the host cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#capturing = null;
    await this.#process.stop();
    this.#rejectAll(new EarshotError('CAPTURE_CRASHED', 'The capture process was stopped.'));
  }

  async #request<T>(body: CaptureRequestBody): Promise<T> {
    if (this.#disposed) throw new EarshotError('INTERNAL', 'The capture host was disposed.');
    try {
      await this.#process.start();
    } catch (error) {
      throw new EarshotError(
        'AUDIO_BACKEND_UNAVAILABLE',
        `The audio capture process could not start: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const id = this.#nextId++;
    const request = { ...body, v: CAPTURE_PROTOCOL_VERSION, id } as CaptureRequest;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new EarshotError(
            'DEVICE_OPEN_FAILED',
            `The audio system did not answer within ${this.#timeoutMs / 1000} s (${body.type}). Try again, or restart Earshot.`,
          ),
        );
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.#process.send(request);
    });
  }

  #onMessage(raw: unknown): void {
    const message = parseCaptureMessage(raw);
    if (!message) {
      this.#log.warn('dropped a message the capture protocol does not allow', raw);
      return;
    }
    switch (message.type) {
      case 'reply': {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new EarshotError(message.error.code, message.error.message));
        return;
      }
      case 'frame': {
        const receivedMs = wallClockMs();
        const seq = this.#seqBase + message.seq;
        this.#nextSeq = seq + 1;
        this.emit('frame', {
          seq,
          captureTimeMs: message.captureTimeMs,
          sampleRate: message.sampleRate,
          samples: message.samples,
        });
        if (this.listenerCount('frameTiming') > 0) {
          this.emit('frameTiming', { seq, ...message.timing, receivedMs, captureTimeMs: message.captureTimeMs });
        }
        return;
      }
      case 'level':
        this.emit('level', message.level);
        return;
      case 'health':
        this.emit('health', message.warning);
        return;
      case 'devices-changed':
        this.emit('devicesChanged', message.devices);
        return;
      case 'device-lost':
        this.emit('deviceLost', message.lost);
        return;
      case 'device-restored':
        this.emit('deviceRestored', message.device);
        return;
      case 'stream-opened':
        this.emit('streamOpened', message.stream);
        return;
      case 'error':
        this.#capturing = null;
        this.#emitError(message.error);
        return;
      case 'spawn-helper':
        this.#helpers.spawn(message);
        return;
      case 'stop-helper':
        this.#helpers.stop(message.id);
        return;
    }
  }

  #notifyChild(notice: HelperNoticeBody): void {
    // A notice for a capture process that just exited has nobody to go to (stopAll follows).
    if (this.#process.pid === undefined) return;
    this.#process.send({ ...notice, v: CAPTURE_PROTOCOL_VERSION });
  }

  #onCrash(report: CrashReport): void {
    this.#rejectAll(
      new EarshotError('CAPTURE_CRASHED', `The audio capture process stopped unexpectedly (${report.reason}).`),
    );
    if (this.#capturing) {
      this.#emitError({
        code: 'CAPTURE_CRASHED',
        message: report.willRestart
          ? 'The audio capture process stopped unexpectedly. Earshot is restarting it.'
          : 'The audio capture process keeps crashing; capture stopped. Details are in the log file.',
      });
      if (!report.willRestart) this.#capturing = null;
    }
  }

  /** After a restart, pick capture up again with the same options; frame numbers continue. */
  #onReady(): void {
    const options = this.#capturing;
    if (!options) return;
    this.#seqBase = this.#nextSeq;
    // A fresh process has no warm microphone, so there is nothing to pre-roll.
    this.#request<OpenedStream>(startRequest({ fallbackToDefault: true, ...options, preRollMs: 0 })).then(
      () => this.#log.info('capture resumed after a restart'),
      (error: unknown) => {
        this.#capturing = null;
        this.#emitError(toPayload(error));
      },
    );
  }

  #emitError(payload: ErrorPayload): void {
    // An 'error' event without a listener would throw; a front end that does not listen gets a log line.
    if (this.listenerCount('error') > 0) this.emit('error', payload);
    else this.#log.error(`${payload.code}: ${payload.message}`);
  }

  #rejectAll(error: Error): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.#pending.delete(id);
    }
  }
}

function startRequest(
  opts: CaptureStartOptions & { preRollMs: number; fallbackToDefault: boolean },
): CaptureRequestBody {
  return {
    type: 'start',
    deviceKey: opts.deviceKey,
    sampleRate: opts.sampleRate,
    preRollMs: opts.preRollMs,
    fallbackToDefault: opts.fallbackToDefault,
    ...(opts.captureRate === undefined ? {} : { captureRate: opts.captureRate }),
  };
}

function toPayload(error: unknown): ErrorPayload {
  if (error instanceof EarshotError) return { code: error.code, message: error.message };
  const code: ErrorCode = isErrorCode((error as { code?: unknown })?.code)
    ? (error as { code: ErrorCode }).code
    : 'INTERNAL';
  return { code, message: error instanceof Error ? error.message : String(error) };
}
