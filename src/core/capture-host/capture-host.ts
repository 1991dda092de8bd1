import { EventEmitter } from 'node:events';
import {
  CAPTURE_PROTOCOL_VERSION,
  parseCaptureMessage,
  type CaptureFrameMessage,
  type CaptureParentMessage,
  type CaptureRequestBody,
  type OpenedStream,
} from '../../shared/capture-protocol.ts';
import type { DeviceInfo } from '../../shared/devices.ts';
import { EarshotError, isErrorCode, type ErrorCode } from '../../shared/errors.ts';
import type { ErrorPayload } from '../../shared/result.ts';
import { wallClockMs } from '../../shared/audio-frame.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { ProcessHost, type CrashReport } from '../../platform/process/process-host.ts';
import type { SpawnChild } from '../../platform/process/types.ts';
import type { CaptureHostEvents, CaptureStartOptions } from './capture-host-types.ts';
import { FrameNumbers } from './frame-numbers.ts';
import { HelperRelay } from './helper-relay.ts';
import { PendingRequests } from './pending-requests.ts';
import { withQuietAudioStderr } from './quiet-stderr.ts';

export type { HelperExit } from './helper-pool.ts';
export type { CaptureHostEvents, CaptureStartOptions, FrameTimingSample } from './capture-host-types.ts';

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

/**
 * Main's handle on the capture process: starts it on first use, turns calls into numbered
 * requests and its messages into events, restarts it after a crash and resumes capture where
 * it was (same device and options, frame numbers continuing).
 */
export class CaptureHost extends EventEmitter<CaptureHostEvents> {
  readonly #process: ProcessHost<unknown, CaptureParentMessage>;
  readonly #helpers: HelperRelay;
  readonly #pending: PendingRequests;
  readonly #frames = new FrameNumbers();
  readonly #log = createLogger('capture-host');
  /** What capture was started with, to resume it after a crash; null when not capturing. */
  #capturing: CaptureStartOptions | null = null;
  #disposed = false;

  constructor(options: CaptureHostOptions) {
    super();
    this.#pending = new PendingRequests(options.requestTimeoutMs ?? 15_000);
    const spawn = withQuietAudioStderr(options.spawn);
    this.#process = new ProcessHost<unknown, CaptureParentMessage>({
      name: 'capture',
      spawn,
      modulePath: options.modulePath,
      ...(options.env ? { env: options.env } : {}),
    });
    // Created first, so that on a crash its helpers are gone before callers hear of it.
    this.#helpers = new HelperRelay(this.#process, {
      spawn,
      modulePath: options.modulePath,
      ...(options.env ? { env: options.env } : {}),
      onExit: (exit) => this.emit('helperExited', exit),
    });
    this.#process.on('message', (message) => this.#onMessage(message));
    this.#process.on('crash', (report) => this.#onCrash(report));
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
    this.#frames.reset();
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
    this.#pending.rejectAll(new EarshotError('CAPTURE_CRASHED', 'The capture process was stopped.'));
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
    return this.#pending.open<T>(body.type, (id) => this.#process.send({ ...body, v: CAPTURE_PROTOCOL_VERSION, id }));
  }

  #onFrame(message: CaptureFrameMessage, receivedMs: number): void {
    const seq = this.#frames.number(message.seq);
    this.emit('frame', {
      seq,
      captureTimeMs: message.captureTimeMs,
      sampleRate: message.sampleRate,
      samples: message.samples,
    });
    if (this.listenerCount('frameTiming') > 0) {
      this.emit('frameTiming', { seq, ...message.timing, receivedMs, captureTimeMs: message.captureTimeMs });
    }
  }

  #onMessage(raw: unknown): void {
    const message = parseCaptureMessage(raw);
    if (!message) {
      this.#log.warn('dropped a message the capture protocol does not allow', raw);
      return;
    }
    switch (message.type) {
      case 'reply':
        this.#pending.settle(message);
        return;
      case 'frame':
        this.#onFrame(message, wallClockMs());
        return;
      case 'frames': {
        const receivedMs = wallClockMs();
        for (const frame of message.frames) this.#onFrame(frame, receivedMs);
        for (const level of message.levels ?? []) this.emit('level', level);
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
      case 'stop-helper':
        this.#helpers.handle(message);
        return;
    }
  }

  #onCrash(report: CrashReport): void {
    this.#pending.rejectAll(
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
    this.#frames.continueAfterRestart();
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
