import type { ErrorCode } from '../errors.ts';

/** How starting or running the display-media capture went wrong, as main observed it. */
export type SystemAudioTrouble =
  /** getDisplayMedia rejected, the stream had no audio track, or the audio graph failed. */
  | {
      readonly kind: 'failed';
      readonly stage: 'get-display-media' | 'no-audio-track' | 'audio-graph';
      readonly name: string;
    }
  /** The audio track ended; `hadAudio` says whether any chunk came first. */
  | { readonly kind: 'ended'; readonly hadAudio: boolean }
  /** The page said nothing in time, or its window went away (renderer crash). */
  | { readonly kind: 'no-answer' }
  | { readonly kind: 'page-gone' };

/**
 * What a person is told, per OS. The rules come from how Chromium behind Electron fails:
 * - macOS: a denied "Screen & System Audio Recording" permission either rejects
 *   getDisplayMedia with NotAllowedError (the screen part) or, on macOS 14.2+ where the audio
 *   comes from a Core Audio tap, hands over an audio track that ends at once without any error
 *   (electron/electron#53646, #49607). Both mean: allow it in System Settings.
 * - macOS: a stream that comes back without an audio track means this macOS/Chromium offers
 *   no loopback (before 13, or the feature is off).
 * - Windows: WASAPI loopback asks no permission; any failure is a failure to start.
 * - Anywhere: a track that ends after delivering audio is a lost source, like an unplugged mic.
 */
export function systemAudioErrorCode(os: 'win32' | 'darwin', trouble: SystemAudioTrouble): ErrorCode {
  switch (trouble.kind) {
    case 'failed':
      if (trouble.stage === 'no-audio-track')
        return os === 'darwin' ? 'SYSTEM_AUDIO_UNSUPPORTED' : 'SYSTEM_AUDIO_START_FAILED';
      if (os === 'darwin' && trouble.stage === 'get-display-media' && trouble.name === 'NotAllowedError') {
        return 'SYSTEM_AUDIO_PERMISSION_DENIED';
      }
      if (trouble.name === 'NotSupportedError') return 'SYSTEM_AUDIO_UNSUPPORTED';
      return 'SYSTEM_AUDIO_START_FAILED';
    case 'ended':
      if (trouble.hadAudio) return 'SOURCE_LOST';
      return os === 'darwin' ? 'SYSTEM_AUDIO_PERMISSION_DENIED' : 'SYSTEM_AUDIO_START_FAILED';
    case 'no-answer':
    case 'page-gone':
      return 'SYSTEM_AUDIO_START_FAILED';
  }
}

/** One line for the log: what exactly happened, beside the code a person sees. */
export function describeTrouble(trouble: SystemAudioTrouble): string {
  switch (trouble.kind) {
    case 'failed':
      return `${trouble.stage} failed with ${trouble.name}`;
    case 'ended':
      return trouble.hadAudio
        ? 'the audio track ended after delivering audio'
        : 'the audio track ended before any audio';
    case 'no-answer':
      return 'the capture page did not start in time';
    case 'page-gone':
      return 'the capture page went away';
  }
}
