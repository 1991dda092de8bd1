import type { DeviceInfo } from '../shared/devices.ts';
import { findDevice } from '../shared/device-list.ts';
import type { AudioBackend, PresenceLease, ProbeResult } from './audio-backend.ts';
import type { LogLevel } from './service-io.ts';

export interface DeviceWatchOptions {
  /** Lists devices in this process, probes them and watches their presence (in helper processes). */
  readonly backend: Pick<AudioBackend, 'listDevices' | 'probeDevices' | 'watchPresence' | 'watchDevices'>;
  /** Runs an operation when no other capture operation is in flight (PortAudio is not re-entrant). */
  readonly exclusive: <T>(operation: () => Promise<T>) => Promise<T>;
  readonly streamOpen: () => boolean;
  /** The device capture fell back from, if any: polled for its return. */
  readonly lostKey: () => string | null;
  readonly onChanged: (devices: DeviceInfo[]) => void;
  readonly onLostReturned: () => void;
  /**
   * The open device, when it must be watched for presence: a sound-server-backed ALSA device
   * can vanish without the stream noticing (see needsPresenceProbe). Watched by a helper
   * process (presence-watch.ts) that reports within about half a second.
   */
  readonly presenceKey: () => string | null;
  readonly onPresentGone: (key: string) => void;
  readonly log: (level: LogLevel, message: string) => void;
}

/**
 * How often the device list is refreshed: in-process when idle (fast while someone recently
 * asked for the list — a device picker is open — slow otherwise), a probe process while a
 * stream runs, and every two seconds while a lost device is awaited.
 */
export const POLL = {
  presenceRetryMs: 5000,
  idleMs: 3000,
  idleUnwatchedMs: 15_000,
  interestMs: 60_000,
  streamingMs: 10_000,
  lostMs: 2000,
  granularityMs: 500,
} as const;

/**
 * Hot-plug: keeps the device list current and reports changes, and while a device is lost,
 * checks whether it is back. A backend that is notified of changes (watchDevices: the Linux
 * sound server) drives all of this by its events; otherwise (PortAudio) the list is polled
 * and a lost device checked every two seconds (listed and opening).
 */
export class DeviceWatch {
  readonly #options: DeviceWatchOptions;
  #devices: DeviceInfo[] | null = null;
  #lastPollAt = 0;
  #askedAt = 0;
  #polling = false;
  #presence: PresenceLease | null = null;
  #presenceFailedAt = 0;
  readonly #timer: NodeJS.Timeout | null = null;
  readonly #subscription: { stop(): void } | null = null;

  constructor(options: DeviceWatchOptions) {
    this.#options = options;
    const { backend } = options;
    if (backend.watchDevices) {
      // The backend is told of every change: nothing to poll, nothing runs while idle.
      this.#subscription = backend.watchDevices((devices) => this.#changed(devices));
      return;
    }
    this.#timer = setInterval(() => {
      this.#syncPresence();
      void this.#poll();
    }, POLL.granularityMs);
    this.#timer.unref();
  }

  get current(): readonly DeviceInfo[] | null {
    return this.#devices;
  }

  /**
   * The device list; `refresh` enumerates anew (in this process when no stream is open, else in
   * a probe process). Call only from inside an exclusive operation.
   */
  async list(refresh: boolean): Promise<DeviceInfo[]> {
    if (this.#devices && !refresh) return this.#devices;
    const devices = this.#options.streamOpen()
      ? (await this.#options.backend.probeDevices()).devices
      : await this.#options.backend.listDevices();
    this.#update(devices);
    return devices;
  }

  /** Someone looked at the list (a device picker): keep it fresh for a while. */
  noteInterest(): void {
    this.#askedAt = Date.now();
  }

  dispose(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#subscription?.stop();
    this.#presence?.stop();
    this.#presence = null;
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    const lostKey = this.#options.lostKey();
    const streaming = this.#options.streamOpen();
    const watched = Date.now() - this.#askedAt < POLL.interestMs;
    let interval: number = POLL.idleUnwatchedMs;
    if (lostKey) interval = POLL.lostMs;
    else if (streaming) interval = POLL.streamingMs;
    else if (watched) interval = POLL.idleMs;
    if (Date.now() - this.#lastPollAt < interval) return;
    this.#polling = true;
    this.#lastPollAt = Date.now();
    try {
      if (!streaming) {
        await this.#options.exclusive(() => this.list(true));
        return;
      }
      const result: ProbeResult = await this.#options.backend.probeDevices(lostKey ?? undefined);
      this.#update(result.devices);
      if (lostKey && result.openable && this.#options.lostKey() === lostKey) this.#options.onLostReturned();
    } catch (error) {
      this.#options.log('warn', `refreshing the device list failed: ${(error as Error).message}`);
    } finally {
      this.#polling = false;
    }
  }

  /** Keeps one presence watcher on the open device when it needs one (and none otherwise). */
  #syncPresence(): void {
    const wanted = this.#options.presenceKey();
    if (this.#presence && this.#presence.key !== wanted) {
      this.#presence.stop();
      this.#presence = null;
    }
    if (!wanted || this.#presence || Date.now() - this.#presenceFailedAt < POLL.presenceRetryMs) return;
    const watch: PresenceLease = this.#options.backend.watchPresence(wanted, {
      gone: () => {
        if (this.#presence === watch) this.#presence = null;
        this.#options.onPresentGone(wanted);
      },
      exit: (detail) => {
        this.#options.log('warn', `the presence watcher for ${wanted} ${detail}`);
        if (this.#presence === watch) this.#presence = null;
        this.#presenceFailedAt = Date.now();
      },
    });
    this.#presence = watch;
  }

  /** A notified change: the open device missing from the list is gone; the lost one listed again is back. */
  #changed(devices: DeviceInfo[]): void {
    this.#update(devices);
    const present = (key: string): boolean => findDevice(devices, key) !== undefined;
    const open = this.#options.presenceKey();
    if (open && !present(open)) this.#options.onPresentGone(open);
    const lostKey = this.#options.lostKey();
    if (lostKey && present(lostKey)) this.#options.onLostReturned();
  }

  #update(devices: DeviceInfo[]): void {
    const previous = this.#devices;
    this.#devices = devices;
    if (previous && fingerprint(previous) !== fingerprint(devices)) this.#options.onChanged(devices);
  }
}

function fingerprint(devices: readonly DeviceInfo[]): string {
  return JSON.stringify(devices.map((d) => [d.key, d.index, d.isDefault, d.maxInputChannels, d.defaultSampleRate]));
}
