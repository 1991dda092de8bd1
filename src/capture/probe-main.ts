/**
 * The helper modes of the capture entry, started by CaptureHost when the capture process asks
 * (see src/shared/capture-protocol.ts): `--probe [key]`, where a fresh PortAudio lists the
 * devices and, if a key is given, checks that the device opens; and `--watch <key>`, which
 * reports when a device stops opening. Each says what it found over its own IPC channel to
 * its parent. Kept to a handful of small imports (no zod, no signal path) so a probe costs
 * tens of milliseconds.
 */
import { buildDeviceList, findDevice } from '../shared/device-list.ts';
import { formatCandidates } from './format-candidates.ts';
import { isFormatRejection } from './portaudio-errors.ts';
import { connectParentPort } from '../platform/process/parent-port.ts';
import type { HelperMessage } from '../shared/capture-protocol.ts';
import type { DeviceInfo } from '../shared/devices.ts';
import { InputStream, listRawDevices } from './portaudio.ts';

/**
 * CAPTURE_PROTOCOL_VERSION, which lives beside zod (not loaded here); the HelperMessage type
 * only accepts the current version, so the two cannot drift apart unnoticed.
 */
const V = 2;
/** After its last message a helper waits this long for its parent to stop it, then goes anyway. */
const LINGER_MS = 5000;

interface HelperPort {
  say(message: HelperMessage): void;
  /** Said everything: exit once stopped, or after LINGER_MS at the latest. */
  done(): void;
  /** Reports why it cannot do its job (the parent relays it as the helper's exit detail), exits. */
  fail(error: unknown): never;
}

/**
 * The helper's channel to its parent. It exits when asked to stop, when the parent goes away,
 * and shortly after its last message: a helper never lingers.
 */
function connectHelper(): HelperPort {
  const port = connectParentPort({ onParentGone: () => process.exit(0), onShutdown: () => process.exit(0) });
  process.on('uncaughtException', (error) => port.fatal(error));
  process.on('unhandledRejection', (error) => port.fatal(error));
  return {
    say: (message) => port.post(message),
    done: () => setTimeout(() => process.exit(0), LINGER_MS).unref(),
    fail: (error) => port.fatal(error),
  };
}

/** This process's CPU time so far, in ms (reported with a helper's final message). */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Fresh enumeration in this process (only fresh when no stream is open here). */
export function enumerateDevices(): DeviceInfo[] {
  const { devices, hostApis } = listRawDevices();
  return buildDeviceList(devices, hostApis, process.platform);
}

/** Whether `key` exists now and accepts some format; in this process. */
export async function deviceOpens(devices: readonly DeviceInfo[], key: string): Promise<boolean> {
  const device = findDevice(devices, key);
  if (!device) return false;
  for (const candidate of formatCandidates(device, Math.round(device.defaultSampleRate))) {
    try {
      await InputStream.probe({ deviceIndex: device.index, ...candidate });
      return true;
    } catch (error) {
      if (!isFormatRejection((error as Error).message)) return false;
    }
  }
  return false;
}

export async function runProbe(key: string | null): Promise<void> {
  const helper = connectHelper();
  try {
    const devices = enumerateDevices();
    const openable = key === null ? null : await deviceOpens(devices, key);
    helper.say({ v: V, type: 'probe-result', devices, openable, cpuMs: cpuMs() });
    helper.done();
  } catch (error) {
    helper.fail(error);
  }
}

/**
 * The `--watch <key>` mode: tells its parent, as soon as it happens, that a device can no
 * longer be opened. It keeps one unstarted stream on the device so PortAudio stays
 * initialised, which makes each check a bare open-and-close (~2 ms of CPU) instead of a full
 * enumeration. Runs until the device is gone or it is stopped.
 */
export async function runPresenceWatch(key: string | null, intervalMs = 500): Promise<void> {
  const helper = connectHelper();
  const gone = (): void => {
    helper.say({ v: V, type: 'watch-gone', cpuMs: cpuMs() });
    helper.done();
  };
  let devices: DeviceInfo[];
  try {
    devices = enumerateDevices();
  } catch (error) {
    return helper.fail(error);
  }
  const device = key === null ? undefined : findDevice(devices, key);
  if (!device) return gone();
  let format: { sampleRate: number; channels: number } | null = null;
  for (const candidate of formatCandidates(device, Math.round(device.defaultSampleRate))) {
    try {
      // Held open (never started) for the life of the watch; the OS releases it at exit.
      InputStream.open({ deviceIndex: device.index, ...candidate });
      format = candidate;
      break;
    } catch (error) {
      if (!isFormatRejection((error as Error).message)) break;
    }
  }
  if (!format) return gone();
  helper.say({ v: V, type: 'watch-present' });
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    try {
      await InputStream.probe({ deviceIndex: device.index, ...format });
    } catch {
      return gone();
    }
  }
}
