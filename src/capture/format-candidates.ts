import type { DeviceInfo } from '../shared/devices.ts';

/** Rates worth trying after the requested one and the device's own, most useful first. */
const COMMON_RATES = [48000, 44100, 32000, 16000, 24000, 22050, 96000, 88200, 8000] as const;

export interface FormatCandidate {
  readonly sampleRate: number;
  readonly channels: number;
}

/**
 * The formats to try, in order, when opening a device: the wanted rate (the session's, so no
 * resampling is needed), else the device's default rate (what the hardware runs at), else the
 * common rates; mono first (no downmix), then stereo, then every channel the device has.
 * Devices that reject 16 kHz are the norm, and peers fail there with raw PortAudio errors.
 */
export function formatCandidates(
  device: Pick<DeviceInfo, 'defaultSampleRate' | 'maxInputChannels'>,
  wantedRate: number,
): FormatCandidate[] {
  const rates = [...new Set([wantedRate, Math.round(device.defaultSampleRate), ...COMMON_RATES])].filter((r) => r > 0);
  const maxChannels = Math.max(1, device.maxInputChannels);
  const channels = [...new Set([1, 2, maxChannels])].filter((c) => c <= maxChannels);
  return rates.flatMap((sampleRate) => channels.map((c) => ({ sampleRate, channels: c })));
}
