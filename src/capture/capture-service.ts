import { DEFAULT_DEVICE_KEY, type DeviceInfo } from '../shared/devices.ts';
import { EarshotError } from '../shared/errors.ts';
import type { CaptureRequest, OpenedStream } from '../shared/capture-protocol.ts';
import { wallClockMs } from '../shared/audio-frame.ts';
import { findDevice, needsPresenceProbe } from '../shared/device-list.ts';
import { SerialQueue } from '../platform/serial-queue.ts';
import { defaultDeviceGone, deviceLost } from './device-messages.ts';
import type { CaptureStream } from './audio-backend.ts';
import { DeviceWatch } from './device-watch.ts';
import { FrameOutput, MAX_PREROLL_MS } from './frame-output.ts';
import type { ServiceIo } from './service-io.ts';
import { StreamSlot, describeStream } from './stream-slot.ts';

type Mode = 'idle' | 'monitoring' | 'capturing';

/**
 * The capture process's state: which device is wanted, which is open, whether frames flow to
 * the session (capturing) or only levels and the pre-roll ring (monitoring), and what to do
 * when the device stalls or vanishes. Operations run one at a time, in order, so a request
 * never sees a half-switched device.
 */
export class CaptureService {
  readonly #io: ServiceIo;
  readonly #watch: DeviceWatch;
  readonly #slot: StreamSlot;
  readonly #frames: FrameOutput;
  readonly #queue = new SerialQueue();
  #mode: Mode = 'idle';
  #wantedKey = DEFAULT_DEVICE_KEY;
  /** The device capture fell back from, while it is away. */
  #lost: DeviceInfo | null = null;
  #preRollMs = 500;
  #fallback = true;
  #stallRecoveries = 0;

  constructor(io: ServiceIo) {
    this.#io = io;
    this.#frames = new FrameOutput((event) => io.emit(event));
    this.#slot = new StreamSlot({
      io,
      frames: this.#frames,
      listDevices: () => this.#watch.list(true),
      onTrouble: (stream, reason) => void this.#queue.run(() => this.#recover(stream, reason)),
      onTick: (stream) => this.#tick(stream),
    });
    this.#watch = new DeviceWatch({
      backend: io.backend,
      exclusive: (operation) => this.#queue.run(operation),
      streamOpen: () => this.#slot.current !== null,
      lostKey: () => this.#lost?.key ?? null,
      onChanged: (devices) => {
        io.emit({ type: 'devices-changed', devices });
        this.#followDefaultChange(devices);
      },
      onLostReturned: () => void this.#queue.run(() => this.#restore()),
      presenceKey: () => {
        const stream = this.#slot.current;
        return stream && this.#mode !== 'idle' && needsPresenceProbe(stream.device) ? stream.key : null;
      },
      onPresentGone: (key) => {
        const stream = this.#slot.current;
        if (stream?.key === key) void this.#queue.run(() => this.#recover(stream, 'is no longer available'));
      },
      log: (level, message) => io.log(level, message),
    });
  }

  /** Runs one request; resolves with the reply value or rejects with an EarshotError. */
  handle(request: CaptureRequest): Promise<unknown> {
    switch (request.type) {
      case 'list-devices':
        this.#watch.noteInterest();
        return this.#queue.run(() => this.#watch.list(request.refresh));
      case 'monitor':
        return this.#queue.run(() => this.#openFor('monitoring', request.deviceKey, request.sampleRate));
      case 'start':
        return this.#queue.run(async () => {
          if (this.#mode === 'capturing')
            throw new EarshotError('SESSION_BUSY', 'Capture is already running; stop it before starting again.');
          this.#preRollMs = Math.min(request.preRollMs, MAX_PREROLL_MS);
          this.#fallback = request.fallbackToDefault;
          this.#slot.captureRate = request.captureRate;
          return this.#openFor('capturing', request.deviceKey, request.sampleRate);
        });
      case 'stop':
        return this.#queue.run(() => this.#stop());
      case 'set-device':
        return this.#queue.run(() => this.#setDevice(request.deviceKey));
    }
  }

  async shutdown(): Promise<void> {
    this.#watch.dispose();
    await this.#queue.run(() => this.#stop());
  }

  // ── operations (always inside #queue) ─────────────────────────────────────

  async #openFor(mode: 'monitoring' | 'capturing', key: string, sessionRate: number): Promise<OpenedStream> {
    const stream = this.#slot.current;
    const captureRate = this.#slot.captureRate;
    const reusable =
      stream !== null &&
      this.#lost === null &&
      stream.key === key &&
      stream.sessionRate === sessionRate &&
      (captureRate === undefined || stream.deviceRate === captureRate);
    this.#wantedKey = key;
    this.#slot.sessionRate = sessionRate;
    if (mode === 'capturing') this.#frames.restartNumbering();
    if (reusable) {
      // The microphone is already warm: the session starts with what was said just before.
      if (mode === 'capturing' && this.#mode === 'monitoring') this.#frames.flushPreRoll(this.#preRollMs);
      this.#setMode(mode);
      return describeStream(stream);
    }
    await this.#slot.close();
    this.#lost = null;
    this.#frames.clearPreRoll();
    const opened = await this.#slot.open(key);
    this.#setMode(mode);
    return describeStream(opened);
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
    const previous = this.#slot.current?.key ?? this.#wantedKey;
    this.#wantedKey = key;
    this.#lost = null;
    if (this.#mode === 'idle') return null;
    await this.#slot.close();
    this.#frames.clearPreRoll();
    try {
      return describeStream(await this.#slot.open(key));
    } catch (error) {
      this.#wantedKey = previous;
      this.#io.log('warn', `switching to ${key} failed; going back to ${previous}`);
      await this.#slot.open(previous).catch((reopenError: unknown) => this.#failAsync(reopenError));
      throw error;
    }
  }

  async #stop(): Promise<void> {
    await this.#slot.close();
    this.#setMode('idle');
    this.#lost = null;
    this.#frames.clearPreRoll();
  }

  /** The stream stalled or ended: same device again if it still opens, else lost (and fallback). */
  async #recover(stream: CaptureStream, reason: string): Promise<void> {
    // Queued twice (a stall tick and a read error), the second finds a new stream: nothing to do.
    if (stream !== this.#slot.current || this.#mode === 'idle') return;
    this.#io.log('warn', `“${stream.device.name}” ${reason}; checking the device`);
    const hadData = stream.gotData;
    await this.#slot.close();
    this.#stallRecoveries = hadData ? 1 : this.#stallRecoveries + 1;
    if (this.#stallRecoveries <= 2) {
      try {
        await this.#slot.open(stream.key);
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
      await this.#slot.open(DEFAULT_DEVICE_KEY);
    } catch (error) {
      this.#failAsync(error);
    }
  }

  /** The lost device is back: switch to it (keeping the fallback if it will not open). */
  async #restore(): Promise<void> {
    const lost = this.#lost;
    if (!lost || this.#mode === 'idle') return;
    await this.#slot.close();
    try {
      const stream = await this.#slot.open(lost.key);
      this.#lost = null;
      this.#io.emit({ type: 'device-restored', device: stream.device });
    } catch (error) {
      this.#io.log('info', `“${lost.name}” is listed again but did not open: ${(error as Error).message}`);
      await this.#slot.open(DEFAULT_DEVICE_KEY).catch((reopenError: unknown) => this.#failAsync(reopenError));
    }
  }

  // ── plumbing ──────────────────────────────────────────────────────────────

  #tick(stream: CaptureStream): void {
    stream.tick(wallClockMs());
    // A recovery already queued or running will find out for itself.
    if (stream.stalled && !this.#queue.busy)
      void this.#queue.run(() => this.#recover(stream, 'stopped delivering audio for more than a second'));
  }

  /** When "System default" is chosen and the OS default moved to another device, follow it. */
  #followDefaultChange(devices: readonly DeviceInfo[]): void {
    const stream = this.#slot.current;
    // The default microphone: a sound server's default source may be an output's monitor.
    const nowDefault = findDevice(devices, DEFAULT_DEVICE_KEY);
    if (!stream || stream.key !== DEFAULT_DEVICE_KEY || !nowDefault || nowDefault.key === stream.device.key) return;
    void this.#queue.run(async () => {
      if (this.#slot.current?.key !== DEFAULT_DEVICE_KEY) return;
      this.#io.log('info', `the system default input is now “${nowDefault.name}”; following it`);
      await this.#slot.close();
      await this.#slot.open(DEFAULT_DEVICE_KEY).catch((error: unknown) => this.#failAsync(error));
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
}
