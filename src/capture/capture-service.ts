import { DEFAULT_DEVICE_KEY, type DeviceInfo } from '../shared/devices.ts';
import { EarshotError } from '../shared/errors.ts';
import type { CaptureEvent, CaptureRequest, OpenedStream } from '../shared/capture-protocol.ts';
import { wallClockMs } from '../shared/audio-frame.ts';
import { needsPresenceProbe } from '../shared/device-list.ts';
import { defaultDeviceGone, deviceLost } from './device-messages.ts';
import { ActiveStream, type StreamSink } from './active-stream.ts';
import { DeviceWatch } from './device-watch.ts';
import { FrameOutput, MAX_PREROLL_MS } from './frame-output.ts';
import type { HelperClient } from './helper-client.ts';

/** Events as the service emits them; main.ts adds the protocol version. */
export type ServiceEvent = CaptureEvent extends infer E ? (E extends unknown ? Omit<E, 'v'> : never) : never;

export interface ServiceIo {
  emit(event: ServiceEvent): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /** Helper processes (probes while a stream is open, presence watchers), started by the parent. */
  readonly helpers: HelperClient;
}

type Mode = 'idle' | 'monitoring' | 'capturing';

const TICK_MS = 100;
/**
 * A pause in the audio this long is a stall even when the audio resumes by itself: no
 * working device pauses half a second, and one that does is worth a check. (Event-loop
 * delays do not count: the device queue holds that audio, see CaptureClock.)
 */
const STALL_GAP_MS = 500;

/**
 * The capture process's state: which device is wanted, which is open, whether frames flow to
 * the session (capturing) or only levels and the pre-roll ring (monitoring), and what to do
 * when the device stalls or vanishes. Operations run one at a time, in order, so a request
 * never sees a half-switched device.
 */
export class CaptureService {
  readonly #io: ServiceIo;
  readonly #watch: DeviceWatch;
  #mode: Mode = 'idle';
  #wantedKey = DEFAULT_DEVICE_KEY;
  #stream: ActiveStream | null = null;
  /** The device capture fell back from, while it is away. */
  #lost: DeviceInfo | null = null;
  #sessionRate = 16000;
  #captureRate: number | undefined;
  #preRollMs = 500;
  #fallback = true;
  #stallRecoveries = 0;
  readonly #frames: FrameOutput;
  #queue: Promise<unknown> = Promise.resolve();
  #busy = false;
  readonly #ticker: NodeJS.Timeout;

  constructor(io: ServiceIo) {
    this.#io = io;
    this.#frames = new FrameOutput((event) => io.emit(event));
    this.#watch = new DeviceWatch({
      helpers: io.helpers,
      exclusive: (operation) => this.#serial(operation),
      streamOpen: () => this.#stream !== null,
      lostKey: () => this.#lost?.key ?? null,
      onChanged: (devices) => {
        io.emit({ type: 'devices-changed', devices });
        this.#followDefaultChange(devices);
      },
      onLostReturned: () => void this.#serial(() => this.#restore()),
      presenceKey: () => {
        const stream = this.#stream;
        return stream && this.#mode !== 'idle' && needsPresenceProbe(stream.device) ? stream.key : null;
      },
      onPresentGone: (key) => {
        const stream = this.#stream;
        if (stream?.key === key) void this.#serial(() => this.#recover(stream, 'is no longer available'));
      },
      log: (level, message) => io.log(level, message),
    });
    this.#ticker = setInterval(() => this.#tick(), TICK_MS);
    this.#ticker.unref();
  }

  /** Runs one request; resolves with the reply value or rejects with an EarshotError. */
  handle(request: CaptureRequest): Promise<unknown> {
    switch (request.type) {
      case 'list-devices':
        this.#watch.noteInterest();
        return this.#serial(() => this.#watch.list(request.refresh));
      case 'monitor':
        return this.#serial(() => this.#openFor('monitoring', request.deviceKey, request.sampleRate));
      case 'start':
        return this.#serial(async () => {
          if (this.#mode === 'capturing')
            throw new EarshotError('SESSION_BUSY', 'Capture is already running; stop it before starting again.');
          this.#preRollMs = Math.min(request.preRollMs, MAX_PREROLL_MS);
          this.#fallback = request.fallbackToDefault;
          this.#captureRate = request.captureRate;
          return this.#openFor('capturing', request.deviceKey, request.sampleRate);
        });
      case 'stop':
        return this.#serial(() => this.#stop());
      case 'set-device':
        return this.#serial(() => this.#setDevice(request.deviceKey));
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.#ticker);
    this.#watch.dispose();
    await this.#serial(() => this.#stop());
  }

  // ── operations (always inside #serial) ────────────────────────────────────

  async #openFor(mode: 'monitoring' | 'capturing', key: string, sessionRate: number): Promise<OpenedStream> {
    const stream = this.#stream;
    const reusable =
      stream !== null &&
      this.#lost === null &&
      stream.key === key &&
      stream.sessionRate === sessionRate &&
      (this.#captureRate === undefined || stream.deviceRate === this.#captureRate);
    this.#wantedKey = key;
    this.#sessionRate = sessionRate;
    if (mode === 'capturing') this.#frames.restartNumbering();
    if (reusable) {
      // The microphone is already warm: the session starts with what was said just before.
      if (mode === 'capturing' && this.#mode === 'monitoring') this.#frames.flushPreRoll(this.#preRollMs);
      this.#setMode(mode);
      return describe(stream);
    }
    await this.#close();
    this.#lost = null;
    this.#frames.clearPreRoll();
    const opened = await this.#open(key);
    this.#setMode(mode);
    return describe(opened);
  }

  async #setDevice(key: string): Promise<OpenedStream | null> {
    // Check the key before touching the open stream: a bad choice must not interrupt capture.
    const known = async (refresh: boolean): Promise<boolean> =>
      key === DEFAULT_DEVICE_KEY || (await this.#watch.list(refresh)).some((d) => d.key === key);
    if (!(await known(false)) && !(await known(true))) {
      throw new EarshotError(
        'DEVICE_NOT_FOUND',
        `No microphone “${key}” is connected. Plug it in, or choose another one.`,
      );
    }
    const previous = this.#stream?.key ?? this.#wantedKey;
    this.#wantedKey = key;
    this.#lost = null;
    if (this.#mode === 'idle') return null;
    await this.#close();
    this.#frames.clearPreRoll();
    try {
      return describe(await this.#open(key));
    } catch (error) {
      this.#wantedKey = previous;
      this.#io.log('warn', `switching to ${key} failed; going back to ${previous}`);
      await this.#open(previous).catch((reopenError: unknown) => this.#failAsync(reopenError));
      throw error;
    }
  }

  async #stop(): Promise<void> {
    await this.#close();
    this.#setMode('idle');
    this.#lost = null;
    this.#frames.clearPreRoll();
  }

  /** The stream stalled or ended: same device again if it still opens, else lost (and fallback). */
  async #recover(stream: ActiveStream, reason: string): Promise<void> {
    // Queued twice (a stall tick and a read error), the second finds a new stream: nothing to do.
    if (stream !== this.#stream || this.#mode === 'idle') return;
    this.#io.log('warn', `“${stream.device.name}” ${reason}; checking the device`);
    const hadData = stream.gotData;
    await this.#close();
    this.#stallRecoveries = hadData ? 1 : this.#stallRecoveries + 1;
    if (this.#stallRecoveries <= 2) {
      try {
        await this.#open(stream.key);
        return;
      } catch (error) {
        this.#io.log('info', `reopening “${stream.device.name}” failed: ${(error as Error).message}`);
      }
    }
    if (stream.key === DEFAULT_DEVICE_KEY) {
      // The default itself went away and nothing replaced it yet.
      this.#failAsync(defaultDeviceGone(stream.device));
      return;
    }
    const lost = deviceLost(stream.device, stream.key, this.#fallback);
    this.#io.emit({ type: 'device-lost', lost });
    if (!lost.fallbackKey) {
      this.#failAsync(new EarshotError('DEVICE_LOST', lost.message));
      return;
    }
    this.#lost = stream.device;
    try {
      await this.#open(DEFAULT_DEVICE_KEY);
    } catch (error) {
      this.#failAsync(error);
    }
  }

  /** The lost device is back: switch to it (keeping the fallback if it will not open). */
  async #restore(): Promise<void> {
    const lost = this.#lost;
    if (!lost || this.#mode === 'idle') return;
    await this.#close();
    try {
      const stream = await this.#open(lost.key);
      this.#lost = null;
      this.#io.emit({ type: 'device-restored', device: stream.device });
    } catch (error) {
      this.#io.log('info', `“${lost.name}” is listed again but did not open: ${(error as Error).message}`);
      await this.#open(DEFAULT_DEVICE_KEY).catch((reopenError: unknown) => this.#failAsync(reopenError));
    }
  }

  // ── plumbing ──────────────────────────────────────────────────────────────

  async #open(key: string): Promise<ActiveStream> {
    const devices = await this.#watch.list(true);
    const stream = await ActiveStream.open(
      devices,
      key,
      this.#sessionRate,
      this.#captureRate ?? this.#sessionRate,
      this.#sink(),
    );
    this.#stream = stream;
    this.#io.log(
      'info',
      `opened “${stream.device.name}” at ${stream.deviceRate} Hz × ${stream.deviceChannels} → ${stream.sessionRate} Hz`,
    );
    this.#io.emit({ type: 'stream-opened', stream: describe(stream) });
    return stream;
  }

  async #close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = null;
    const problem = await stream?.close();
    if (problem) this.#io.log('warn', problem);
  }

  #sink(): StreamSink {
    return {
      frame: (samples, captureTimeMs, callbackMs) =>
        this.#frames.accept(samples, captureTimeMs, this.#sessionRate, callbackMs),
      level: (level) => this.#io.emit({ type: 'level', level }),
      health: (warning) => this.#io.emit({ type: 'health', warning }),
      gap: (ms) => {
        // PulseAudio moves a stream whose source vanished onto another source after a pause
        // of ~1.5 s: the audio resumes, but from the wrong microphone. Treat it as a stall.
        const stream = this.#stream;
        if (stream && ms > STALL_GAP_MS) {
          void this.#serial(() => this.#recover(stream, `paused for ${Math.round(ms)} ms and resumed`));
        }
      },
      ended: (error) => {
        const stream = this.#stream;
        if (stream)
          void this.#serial(() =>
            this.#recover(stream, `stopped delivering audio (${error?.message ?? 'stream ended'})`),
          );
      },
    };
  }

  #tick(): void {
    const stream = this.#stream;
    if (!stream) return;
    stream.tick(wallClockMs());
    if (stream.stalled && !this.#busy)
      void this.#serial(() => this.#recover(stream, 'stopped delivering audio for more than a second'));
  }

  /** When "System default" is chosen and the OS default moved to another device, follow it. */
  #followDefaultChange(devices: readonly DeviceInfo[]): void {
    const stream = this.#stream;
    const nowDefault = devices.find((d) => d.isDefault);
    if (!stream || stream.key !== DEFAULT_DEVICE_KEY || !nowDefault || nowDefault.key === stream.device.key) return;
    void this.#serial(async () => {
      if (this.#stream?.key !== DEFAULT_DEVICE_KEY) return;
      this.#io.log('info', `the system default input is now “${nowDefault.name}”; following it`);
      await this.#close();
      await this.#open(DEFAULT_DEVICE_KEY).catch((error: unknown) => this.#failAsync(error));
    });
  }

  /** A failure outside any request: report it and stop capturing. */
  #failAsync(error: unknown): void {
    const payload =
      error instanceof EarshotError
        ? { code: error.code, message: error.message }
        : { code: 'DEVICE_OPEN_FAILED' as const, message: String((error as Error)?.message ?? error) };
    this.#io.log('error', `capture stopped: ${payload.code}: ${payload.message}`);
    this.#io.emit({ type: 'error', error: payload });
    this.#setMode('idle');
    this.#lost = null;
  }

  #setMode(mode: Mode): void {
    this.#mode = mode;
    this.#frames.capturing = mode === 'capturing';
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.#busy = true;
      try {
        return await operation();
      } finally {
        this.#busy = false;
      }
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function describe(stream: ActiveStream): OpenedStream {
  return {
    device: stream.device,
    deviceRate: stream.deviceRate,
    deviceChannels: stream.deviceChannels,
    sessionRate: stream.sessionRate,
  };
}
