import type { DeviceInfo } from '../devices.ts';

/** An ALSA microphone as PortAudio lists one, for tests on either side of the capture protocol. */
export function mic(name: string, index: number, isDefault = false): DeviceInfo {
  return {
    key: `ALSA:${name}`,
    name,
    index,
    hostApi: 'ALSA',
    maxInputChannels: 2,
    defaultSampleRate: 48000,
    isDefault,
    kind: 'microphone',
  };
}
