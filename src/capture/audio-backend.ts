import type { DeviceInfo, HealthWarning, Level } from '../shared/devices.ts';

/**
 * What CaptureService needs from the machine's audio: open a stream, list the devices, probe
 * and watch them. The real one (portaudio-backend.ts) goes through PortAudio and helper
 * processes; tests hand the service an in-memory one, so its logic runs without hardware.
 */
export interface AudioBackend {
  /**
   * Resolves `key` ("default" or a device key) in `devices` (a fresh enumeration), opens it at
   * the first format it accepts (`wantedRate` first) and starts it. Throws an EarshotError a
   * person can read.
   */
  openStream(request: OpenStreamRequest, sink: StreamSink): Promise<CaptureStream>;
  /** Enumerates in this process: only fresh while no stream is open here (PortAudio stays initialised). */
  listDevices(): DeviceInfo[] | Promise<DeviceInfo[]>;
  /** Enumerates afresh in a helper process and, given a key, checks that the device opens. */
  probeDevices(key?: string): Promise<ProbeResult>;
  /** Watches `key` (in a helper process) for the moment it stops opening. */
  watchPresence(key: string, events: PresenceEvents): PresenceLease;
  /**
   * A backend that hears about device changes (a sound server's notifications) calls
   * `onChange` with each new list; then nothing polls, and a device missing from a new list is
   * gone (no presence watcher needed). Absent: the list is polled (PortAudio).
   */
  watchDevices?(onChange: (devices: DeviceInfo[]) => void): { stop(): void };
  /** Which backend this is, for the log ("PulseAudio 16.1 through pactl/parec", "PortAudio"). */
  readonly description?: string;
}

export interface OpenStreamRequest {
  readonly devices: readonly DeviceInfo[];
  readonly key: string;
  readonly sessionRate: number;
  readonly wantedRate: number;
}

export interface ProbeResult {
  readonly devices: DeviceInfo[];
  /** Whether the asked-for device opened; null when none was asked for. */
  readonly openable: boolean | null;
}

export interface PresenceEvents {
  /** The device no longer opens. Said at most once. */
  gone(): void;
  /** The watcher ended without an answer (crashed, could not start); `detail` says why. */
  exit(detail: string): void;
}

export interface PresenceLease {
  readonly key: string;
  /** Ends the watch; nothing more is heard from it. */
  stop(): void;
}

/** Where an open stream delivers its audio and tells of trouble. */
export interface StreamSink {
  frame(samples: Int16Array, captureTimeMs: number, callbackMs: number): void;
  level(level: Level): void;
  health(warning: HealthWarning): void;
  /** Audio went missing for `ms` and then resumed (PulseAudio moves a stream whose source vanished). */
  gap(ms: number): void;
  /** The stream stopped delivering by itself (read error): treat like a stall. */
  ended(error: Error | null): void;
}

/**
 * One open device with its signal path. `key` is what was asked for ("default" or a device
 * key), `device` what it resolved to.
 */
export interface CaptureStream {
  readonly key: string;
  readonly device: DeviceInfo;
  readonly sessionRate: number;
  readonly deviceRate: number;
  readonly deviceChannels: number;
  /** Whether any audio arrived since the stream opened. */
  readonly gotData: boolean;
  /** The health watch says no audio has arrived for too long. */
  readonly stalled: boolean;
  tick(nowMs: number): void;
  /** Stops the device; never throws (returns a note to log instead). */
  close(): Promise<string | null>;
}
