import type { DEFAULT_DEVICE_KEY as DefaultKey, DeviceInfo } from './devices.ts';

/**
 * `DEFAULT_DEVICE_KEY`, typed against the shared constant. Not imported as a value: that module
 * also builds the zod schemas, and this one runs in the device probe, which must start fast.
 */
const DEFAULT_DEVICE_KEY: typeof DefaultKey = 'default';

/** `hostApi` of the devices a Linux sound server lists (PulseAudio, or PipeWire through its PulseAudio interface). */
export const PULSE_HOST_API = 'PulseAudio';

/** One device as PortAudio's binding reports it (`getDevices()`). */
export interface RawDevice {
  readonly id: number;
  readonly name: string;
  readonly maxInputChannels: number;
  readonly maxOutputChannels: number;
  readonly defaultSampleRate: number;
  readonly hostAPIName: string;
}

/** The binding's `getHostAPIs()`: device indices are global; 2^32−1 means "none". */
export interface RawHostApis {
  readonly defaultHostAPI: number;
  readonly HostAPIs: readonly {
    readonly id: number;
    readonly name: string;
    readonly type: string;
    readonly deviceCount: number;
    readonly defaultInput: number;
    readonly defaultOutput: number;
  }[];
}

/**
 * A key that survives re-enumeration and restarts: the host API and the device name, with
 * `#2`, `#3` … only to tell identical names apart (two of the same USB mic). Indices are not
 * used: they shift whenever anything is plugged in.
 */
export function deviceKey(hostApi: string, name: string, occurrence = 1): string {
  return `${hostApi}:${name}${occurrence > 1 ? `#${occurrence}` : ''}`;
}

/**
 * The inputs a person should choose from. PortAudio lists every device once per host API
 * (on Windows: MME, DirectSound, WASAPI and WDM-KS copies of each mic, which peers show raw);
 * Earshot lists one host API: WASAPI on Windows (full names, shared-mode rates), elsewhere
 * the system's default host API (Core Audio, ALSA). If that one has no input, any that has.
 */
export function buildDeviceList(devices: readonly RawDevice[], hostApis: RawHostApis, platform: string): DeviceInfo[] {
  const inputs = devices.filter((d) => d.maxInputChannels > 0);
  const byName = (name: string): RawHostApis['HostAPIs'][number] | undefined =>
    hostApis.HostAPIs.find((h) => h.name === name);
  const preferredNames: string[] = [];
  if (platform === 'win32') preferredNames.push('Windows WASAPI');
  const defaultApi = hostApis.HostAPIs.find((h) => h.id === hostApis.defaultHostAPI);
  if (defaultApi) preferredNames.push(defaultApi.name);
  preferredNames.push(...new Set(inputs.map((d) => d.hostAPIName)));
  const chosen = preferredNames.find((name) => inputs.some((d) => d.hostAPIName === name));
  if (chosen === undefined) return [];
  const defaultInput = byName(chosen)?.defaultInput;
  const seen = new Map<string, number>();
  return inputs
    .filter((d) => d.hostAPIName === chosen)
    .map((d) => {
      const occurrence = (seen.get(d.name) ?? 0) + 1;
      seen.set(d.name, occurrence);
      return {
        key: deviceKey(d.hostAPIName, d.name, occurrence),
        name: d.name,
        index: d.id,
        hostApi: d.hostAPIName,
        maxInputChannels: d.maxInputChannels,
        defaultSampleRate: d.defaultSampleRate,
        isDefault: d.id === defaultInput,
        // PortAudio cannot tell a loopback input from a microphone; Linux sound servers can
        // (see src/capture/pulse-devices.ts), elsewhere system audio needs its own route.
        kind: 'microphone' as const,
      };
    });
}

/**
 * The device a key names now, or undefined; `default` resolves to the current system default
 * microphone (a sound server whose default source is an output's monitor has none).
 */
export function findDevice(devices: readonly DeviceInfo[], key: string): DeviceInfo | undefined {
  if (key === DEFAULT_DEVICE_KEY) return devices.find((d) => d.isDefault && d.kind === 'microphone');
  return devices.find((d) => d.key === key);
}

/**
 * What a person typed after `--device`: a key, a name (exact, then case-insensitive, then a
 * unique substring), an index, or `default`. Returns the key to open, or null.
 */
export function resolveDeviceSelector(devices: readonly DeviceInfo[], selector: string): string | null {
  const wanted = selector.trim();
  if (wanted === '' || wanted.toLowerCase() === DEFAULT_DEVICE_KEY) return DEFAULT_DEVICE_KEY;
  const exact = devices.find((d) => d.key === wanted) ?? devices.find((d) => d.name === wanted);
  if (exact) return exact.key;
  const lower = wanted.toLowerCase();
  const caseless = devices.filter((d) => d.name.toLowerCase() === lower);
  if (caseless.length === 1) return caseless[0]!.key;
  if (/^\d+$/.test(wanted)) {
    const byIndex = devices.find((d) => d.index === Number(wanted));
    if (byIndex) return byIndex.key;
  }
  const partial = devices.filter((d) => d.name.toLowerCase().includes(lower));
  return partial.length === 1 ? partial[0]!.key : null;
}

/** ALSA names that mean "whatever the sound server routes": a silent move there is intended. */
const ROUTING_DEVICES = new Set(['default', 'pulse', 'pipewire', 'sysdefault', 'jack', 'dsnoop']);

/**
 * Whether an open stream on this device can lose its device without noticing. An ALSA device
 * that is a PulseAudio/PipeWire source under a name of its own (not `hw:`): when that source
 * goes away the sound server quietly moves the stream to another microphone and the audio
 * keeps flowing, from the wrong place. Such devices are checked for presence while open.
 * Hardware devices (`… (hw:1,0)`) and other host APIs report removal as a stream failure.
 */
export function needsPresenceProbe(device: Pick<DeviceInfo, 'hostApi' | 'name'>): boolean {
  // A sound-server source opened directly: the server moves the stream just the same.
  if (device.hostApi === PULSE_HOST_API) return true;
  if (device.hostApi !== 'ALSA') return false;
  if (/\(hw:\d+,\d+\)$/.test(device.name) || device.name.startsWith('hw:') || device.name.startsWith('plughw:'))
    return false;
  return !ROUTING_DEVICES.has(device.name);
}
