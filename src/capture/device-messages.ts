import { DEFAULT_DEVICE_KEY, type DeviceInfo, type DeviceLost } from '../shared/devices.ts';
import { EarshotError } from '../shared/errors.ts';

/** What a person reads when their microphone goes away, in one place. */
export function deviceLost(device: DeviceInfo, key: string, fallback: boolean): DeviceLost {
  return {
    lostKey: key,
    lostName: device.name,
    fallbackKey: fallback ? DEFAULT_DEVICE_KEY : null,
    message: fallback
      ? `“${device.name}” was disconnected. Earshot switched to the system default microphone and will switch back when it returns.`
      : `“${device.name}” was disconnected. Capture stopped; plug it back in or choose another microphone.`,
  };
}

export function defaultDeviceGone(device: DeviceInfo): EarshotError {
  return new EarshotError(
    'DEVICE_LOST',
    `“${device.name}” (the system default) stopped working and no other microphone took its place. Capture stopped; choose a microphone and start again.`,
  );
}
