import type { DeviceInfo } from '../shared/devices.ts';
import { formatCandidates } from './format-candidates.ts';
import { isFormatRejection, portAudioError, unsupportedFormatError } from './portaudio-errors.ts';
import { InputStream } from './portaudio.ts';

/**
 * Opens `device` at the first format it accepts (see formatCandidates). A format rejection
 * moves on to the next candidate; any other failure (busy, gone, blocked) stops at once with
 * an Earshot error naming the device. `followDefault` opens PortAudio's default input rather
 * than a fixed index, so "System default" tracks the OS setting.
 */
export function openInput(device: DeviceInfo, wantedRate: number, followDefault: boolean): InputStream {
  const tried: string[] = [];
  for (const candidate of formatCandidates(device, wantedRate)) {
    try {
      return InputStream.open({ deviceIndex: followDefault ? null : device.index, ...candidate });
    } catch (error) {
      if (!isFormatRejection(String((error as Error).message ?? error))) throw portAudioError(error, device.name);
      tried.push(`${candidate.sampleRate} Hz × ${candidate.channels}`);
    }
  }
  throw unsupportedFormatError(device.name, tried.slice(0, 4).concat(tried.length > 4 ? ['…'] : []));
}
