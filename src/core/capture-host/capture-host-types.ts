import type { OpenedStream } from '../../shared/capture-protocol.ts';
import type { DeviceInfo, DeviceLost, HealthWarning, Level } from '../../shared/devices.ts';
import type { ErrorPayload } from '../../shared/result.ts';
import type { AudioFrame } from '../../shared/audio-frame.ts';
import type { HelperExit } from './helper-pool.ts';

/** What CaptureHost's callers pass and hear: its options for a capture, and its events. */

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
