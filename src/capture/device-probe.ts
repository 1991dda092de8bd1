import { spawn } from 'node:child_process';
import { z } from 'zod';
import { deviceInfoSchema, type DeviceInfo } from '../shared/devices.ts';
import { buildDeviceList, findDevice } from '../core/capture/device-list.ts';
import { formatCandidates } from '../core/capture/format-candidates.ts';
import { isFormatRejection } from '../core/capture/portaudio-errors.ts';
import { InputStream, listRawDevices } from './portaudio.ts';

/**
 * PortAudio enumerates devices only when it initialises, and it stays initialised while a
 * stream is open: a process that is capturing cannot see a microphone plugged in since. So
 * while a stream runs, the capture process asks a short-lived copy of itself (`--probe`),
 * which starts PortAudio afresh, lists the devices and optionally checks that one opens.
 */
export const PROBE_FLAG = '--probe';
const RESULT_PREFIX = 'EARSHOT_PROBE_RESULT ';
const PROBE_TIMEOUT_MS = 8000;

const probeResultSchema = z.object({
  devices: z.array(deviceInfoSchema),
  /** Whether the asked-for device opened; null when none was asked for. */
  openable: z.boolean().nullable(),
});
export type ProbeResult = z.infer<typeof probeResultSchema>;

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

/** The `--probe` side: enumerate, test `key` if given, print one result line, exit. */
export async function runProbe(key: string | undefined): Promise<void> {
  const devices = enumerateDevices();
  const openable = key === undefined ? null : await deviceOpens(devices, key);
  const result: ProbeResult = { devices, openable };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Runs a probe process (this same entry with `--probe`) and returns what it found. */
export function probeInSubprocess(entryPath: string, key?: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entryPath, PROBE_FLAG, ...(key === undefined ? [] : [key])], {
      // Under Electron, execPath is the app binary: this makes it behave as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => (output += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      const parsed = line ? probeResultSchema.safeParse(parseJson(line.slice(RESULT_PREFIX.length))) : null;
      if (parsed?.success) resolve(parsed.data);
      else reject(new Error(`device probe failed (exit ${code ?? signal}): ${output.slice(-300) || 'no output'}`));
    });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return { parseError: (error as Error).message };
  }
}
