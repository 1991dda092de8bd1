/**
 * The `--probe [key]` mode of the capture entry: a fresh PortAudio lists the devices and, if
 * a key is given, checks that the device opens; one result line on stdout, then exit. Kept to
 * a handful of small imports (no zod, no signal path) so a probe costs tens of milliseconds.
 */
import { buildDeviceList, findDevice } from '../core/capture/device-list.ts';
import { formatCandidates } from '../core/capture/format-candidates.ts';
import { isFormatRejection } from '../core/capture/portaudio-errors.ts';
import type { DeviceInfo } from '../shared/devices.ts';
import { InputStream, listRawDevices } from './portaudio.ts';

export const PROBE_RESULT_PREFIX = 'EARSHOT_PROBE_RESULT ';

/** Fresh enumeration in this process (only fresh when no stream is open here). */
export function enumerateDevices(): DeviceInfo[] {
  const { devices, hostApis } = listRawDevices();
  return buildDeviceList(devices, hostApis);
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

export async function runProbe(key: string | undefined): Promise<void> {
  const devices = enumerateDevices();
  const openable = key === undefined ? null : await deviceOpens(devices, key);
  process.stdout.write(`${PROBE_RESULT_PREFIX}${JSON.stringify({ devices, openable })}\n`);
}

export const WATCH_PRESENT = 'EARSHOT_PRESENT';
export const WATCH_GONE = 'EARSHOT_GONE';

/**
 * The `--watch <key>` mode: tells its parent, as soon as it happens, that a device can no
 * longer be opened. It keeps one unstarted stream on the device so PortAudio stays
 * initialised, which makes each check a bare open-and-close (~2 ms of CPU) instead of a full
 * enumeration. Exits when the device is gone or when its parent closes stdin.
 */
export async function runPresenceWatch(key: string | undefined, intervalMs = 500): Promise<void> {
  const gone = (): never => {
    process.stdout.write(`${WATCH_GONE}\n`);
    process.exit(0);
  };
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
  const device = key === undefined ? undefined : findDevice(enumerateDevices(), key);
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
  process.stdout.write(`${WATCH_PRESENT}\n`);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    try {
      await InputStream.probe({ deviceIndex: device.index, ...format });
    } catch {
      return gone();
    }
  }
}
