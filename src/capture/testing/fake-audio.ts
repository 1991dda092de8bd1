import type { DeviceInfo } from '../../shared/devices.ts';
import { findDevice } from '../../shared/device-list.ts';
import { EarshotError } from '../../shared/errors.ts';
import type {
  AudioBackend,
  CaptureStream,
  OpenStreamRequest,
  PresenceEvents,
  PresenceLease,
  ProbeResult,
  StreamSink,
} from '../audio-backend.ts';

/**
 * An in-memory audio world for CaptureService tests: microphones a test plugs, unplugs, makes
 * busy or makes the system default, and streams it drives (speak, stall, pause, end).
 *
 * It keeps the rules the real backend (portaudio-backend.ts) lives by:
 * - PortAudio fixes its device list when it initialises and stays initialised while a stream
 *   is open (PortAudio docs, "Pa_GetDeviceCount": the list does not change until
 *   Pa_Terminate; see also device-probe.ts): `listDevices` returns a stale list then, so
 *   code that forgets to probe in a helper process while streaming cannot see a replug.
 * - A key resolves in the list the caller passes, as ActiveStream.open does (findDevice:
 *   "default" is the device marked default); a device that is listed but busy fails to open.
 * - Opening, probing and presence reports take time (timers, so fake timers drive them).
 */
const OPEN_MS = 20;
const PROBE_MS = 60;
/** presence-watch.ts's helper reports a vanished device within about half a second. */
const PRESENCE_REPORT_MS = 300;

export class FakeStream implements CaptureStream {
  readonly key: string;
  readonly device: DeviceInfo;
  readonly sessionRate: number;
  readonly deviceRate: number;
  readonly deviceChannels = 1;
  gotData = false;
  stalled = false;
  closed = false;
  readonly #sink: StreamSink;
  readonly #onClose: () => void;

  constructor(request: OpenStreamRequest, device: DeviceInfo, sink: StreamSink, onClose: () => void) {
    this.key = request.key;
    this.device = device;
    this.sessionRate = request.sessionRate;
    this.deviceRate = request.wantedRate;
    this.#sink = sink;
    this.#onClose = onClose;
  }

  /** Delivers `count` 10 ms frames of session-rate audio. */
  speak(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.gotData = true;
      const now = Date.now();
      this.#sink.frame(new Int16Array(this.sessionRate / 100), now, now);
    }
  }

  /** The health watch calls it stalled (no audio for over a second). */
  stall(): void {
    this.stalled = true;
  }

  /** The audio paused for `ms` and came back (PulseAudio moved the stream elsewhere). */
  pauseAndResume(ms: number): void {
    this.#sink.gap(ms);
  }

  /** The read loop stopped by itself. */
  end(error: Error | null): void {
    this.#sink.ended(error);
  }

  tick(): void {
    // Stalls are set by the test (stall()); nothing to measure.
  }

  close(): Promise<string | null> {
    if (!this.closed) {
      this.closed = true;
      this.#onClose();
    }
    return Promise.resolve(null);
  }
}

interface Watcher {
  readonly key: string;
  readonly events: PresenceEvents;
  live: boolean;
}

export class FakeAudio implements AudioBackend {
  #world: DeviceInfo[];
  /** The list PortAudio fixed when the first open stream initialised it. */
  #snapshot: DeviceInfo[] | null = null;
  readonly #busy = new Set<string>();
  readonly #watchers: Watcher[] = [];
  /** Every stream opened, oldest first. */
  readonly streams: FakeStream[] = [];
  /** Opens in flight plus streams open; and the most there ever were at once. */
  #inUse = 0;
  maxInUse = 0;
  probes = 0;

  constructor(devices: DeviceInfo[]) {
    this.#world = devices.map((d) => ({ ...d }));
  }

  /** The streams not yet closed. */
  get live(): FakeStream[] {
    return this.streams.filter((s) => !s.closed);
  }

  /** The newest stream (the test's handle on "what is open now"). */
  get latest(): FakeStream {
    const stream = this.streams.at(-1);
    if (!stream) throw new Error('no stream was opened');
    return stream;
  }

  plug(device: DeviceInfo): void {
    this.#world = [...this.#world.filter((d) => d.key !== device.key), { ...device, isDefault: false }];
  }

  unplug(key: string): void {
    this.#world = this.#world.filter((d) => d.key !== key);
    this.#reportGone();
  }

  /** The device stays listed but will not open (another app holds it). */
  makeBusy(key: string, busy = true): void {
    if (busy) this.#busy.add(key);
    else this.#busy.delete(key);
  }

  setDefault(key: string): void {
    this.#world = this.#world.map((d) => ({ ...d, isDefault: d.key === key }));
  }

  get presenceWatched(): string[] {
    return this.#watchers.filter((w) => w.live).map((w) => w.key);
  }

  async openStream(request: OpenStreamRequest, sink: StreamSink): Promise<CaptureStream> {
    if (this.#inUse === 0) this.#snapshot = this.#world.map((d) => ({ ...d }));
    this.#use(+1);
    await delay(OPEN_MS);
    const device = findDevice(request.devices, request.key);
    if (!device || !this.#opens(device.key)) {
      this.#use(-1);
      throw device
        ? new EarshotError('DEVICE_OPEN_FAILED', `“${device.name}” did not open.`)
        : new EarshotError('DEVICE_NOT_FOUND', `No microphone “${request.key}” is connected.`);
    }
    const stream = new FakeStream(request, device, sink, () => this.#use(-1));
    this.streams.push(stream);
    return stream;
  }

  listDevices(): DeviceInfo[] {
    return (this.#inUse > 0 && this.#snapshot ? this.#snapshot : this.#world).map((d) => ({ ...d }));
  }

  async probeDevices(key?: string): Promise<ProbeResult> {
    this.probes += 1;
    await delay(PROBE_MS);
    const device = key === undefined ? undefined : findDevice(this.#world, key);
    return {
      devices: this.#world.map((d) => ({ ...d })),
      openable: key === undefined ? null : device !== undefined && this.#opens(device.key),
    };
  }

  watchPresence(key: string, events: PresenceEvents): PresenceLease {
    const watcher: Watcher = { key, events, live: true };
    this.#watchers.push(watcher);
    return {
      key,
      stop: () => {
        watcher.live = false;
      },
    };
  }

  #opens(key: string): boolean {
    return this.#world.some((d) => d.key === key) && !this.#busy.has(key);
  }

  #reportGone(): void {
    for (const watcher of this.#watchers) {
      if (!watcher.live || findDevice(this.#world, watcher.key)) continue;
      watcher.live = false;
      setTimeout(() => watcher.events.gone(), PRESENCE_REPORT_MS);
    }
  }

  #use(delta: number): void {
    this.#inUse += delta;
    this.maxInUse = Math.max(this.maxInUse, this.#inUse);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
