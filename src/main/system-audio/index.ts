import { release } from 'node:os';
import type { FrameSource } from '../../shared/audio-frame.ts';
import type { DeviceInfo } from '../../shared/devices.ts';
import type { EarshotError } from '../../shared/errors.ts';
import {
  systemAudioDevice,
  systemAudioRoute,
  type SystemAudioRoute,
} from '../../shared/system-audio/system-audio-device.ts';
import { createSystemAudioSource } from '../../core/sources/system-audio-source.ts';
import { openCaptureWindow, type CaptureWindowOptions } from './capture-window.ts';

export interface SystemAudio {
  readonly route: SystemAudioRoute;
  /** The device list's "System audio — everything this computer plays", or null where this route is not used. */
  readonly device: DeviceInfo | null;
  /** A FrameSource of system audio at `sampleRate` (null where this route is not used). */
  createSource(sampleRate: number, onTrouble?: (error: EarshotError) => void): FrameSource | null;
}

/**
 * System audio on macOS and Windows through Electron's display-media loopback (see
 * display-media.ts and docs/system-audio.md). On Linux the capture process lists each output's
 * monitor instead, so this offers nothing there.
 */
export function setupSystemAudio(window: CaptureWindowOptions, platform: string = process.platform): SystemAudio {
  const route = systemAudioRoute(platform, release());
  if (route.kind !== 'display-media') return { route, device: null, createSource: () => null };
  return {
    route,
    device: systemAudioDevice(),
    createSource: (sampleRate, onTrouble) =>
      createSystemAudioSource({
        sampleRate,
        os: route.os,
        openContext: (events) => openCaptureWindow(window, events),
        ...(onTrouble ? { onTrouble } : {}),
      }),
  };
}
