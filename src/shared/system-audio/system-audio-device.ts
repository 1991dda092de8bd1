import type { DeviceInfo } from '../devices.ts';

/**
 * Which route hears "what this computer plays" on each OS (docs/system-audio.md has the why):
 * - linux: the sound server's monitors, listed by the capture process (pulse-devices.ts); the
 *   display-media route is not offered there.
 * - win32: WASAPI loopback, reached through Electron's display-media handler (`audio: 'loopback'`).
 * - darwin: the same display-media route; Chromium captures through ScreenCaptureKit on macOS 13
 *   and through Core Audio taps on 14.2+ (electron/electron#47493, #49717).
 */
export type SystemAudioRoute =
  | { readonly kind: 'display-media'; readonly os: 'win32' | 'darwin' }
  | { readonly kind: 'sound-server' }
  | { readonly kind: 'none'; readonly reason: string };

/** The one device key of the display-media route: there is one mix of everything played. */
export const SYSTEM_AUDIO_KEY = 'system-audio:loopback';
export const SYSTEM_AUDIO_NAME = 'System audio — everything this computer plays';

/** Darwin 22 is macOS 13 Ventura, the first with ScreenCaptureKit audio enabled by default in Chromium. */
const FIRST_DARWIN_WITH_LOOPBACK = 22;

/**
 * `platform` is `process.platform`, `release` is `os.release()` (a Darwin kernel version on
 * macOS, "10.0.<build>" on Windows).
 */
export function systemAudioRoute(platform: string, release: string): SystemAudioRoute {
  switch (platform) {
    case 'linux':
      return { kind: 'sound-server' };
    case 'win32':
      // Chromium's WASAPI loopback needs nothing beyond what Electron itself requires (Windows 10).
      return { kind: 'display-media', os: 'win32' };
    case 'darwin': {
      const darwinMajor = Number.parseInt(release.split('.')[0] ?? '', 10);
      if (!Number.isFinite(darwinMajor)) return { kind: 'none', reason: `unreadable macOS release "${release}"` };
      return darwinMajor >= FIRST_DARWIN_WITH_LOOPBACK
        ? { kind: 'display-media', os: 'darwin' }
        : { kind: 'none', reason: `macOS before 13 (Darwin ${darwinMajor}) has no system audio capture` };
    }
    default:
      return { kind: 'none', reason: `no system audio route on ${platform}` };
  }
}

/**
 * The device list entry for the display-media route. Its rate is nominal: the capture page
 * reports the real one when it starts, and the source resamples to the session's rate anyway.
 */
export function systemAudioDevice(): DeviceInfo {
  return {
    key: SYSTEM_AUDIO_KEY,
    name: SYSTEM_AUDIO_NAME,
    index: -1,
    hostApi: 'Display media loopback',
    maxInputChannels: 2,
    defaultSampleRate: 48_000,
    isDefault: false,
    kind: 'system',
  };
}

/** The capture process's list plus the system-audio entry where the display-media route exists. */
export function withSystemAudio(devices: readonly DeviceInfo[], route: SystemAudioRoute): DeviceInfo[] {
  if (route.kind !== 'display-media' || devices.some((d) => d.key === SYSTEM_AUDIO_KEY)) return [...devices];
  return [...devices, systemAudioDevice()];
}
