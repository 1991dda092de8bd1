/**
 * What a person can do about an error, as one button beside its message. Main's message
 * already says what happened and what to do; the action makes doing it one click away.
 */
export type ErrorAction =
  | { readonly kind: 'retry'; readonly label: string }
  | { readonly kind: 'open-settings'; readonly label: string }
  | { readonly kind: 'open-models'; readonly label: string }
  | { readonly kind: 'refresh-devices'; readonly label: string }
  | { readonly kind: 'reload'; readonly label: string };

export function actionForError(code: string): ErrorAction {
  switch (code) {
    case 'PROVIDER_AUTH_FAILED':
    case 'PROVIDER_KEY_MISSING':
    case 'SECRETS_UNAVAILABLE':
    case 'CAPTIONS_PORT_IN_USE':
      return { kind: 'open-settings', label: 'Open Settings' };
    case 'MODEL_MISSING':
    case 'MODEL_INVALID':
    case 'MODEL_DOWNLOAD_FAILED':
    case 'MODEL_CHECKSUM_MISMATCH':
      return { kind: 'open-models', label: 'Open Models' };
    case 'DEVICE_NOT_FOUND':
    case 'DEVICE_LOST':
    case 'DEVICE_OPEN_FAILED':
    case 'DEVICE_BUSY':
    case 'DEVICE_UNSUPPORTED_FORMAT':
    case 'NO_INPUT_DEVICES':
      return { kind: 'refresh-devices', label: 'Refresh microphones' };
    case 'BRIDGE_DISCONNECTED':
      return { kind: 'reload', label: 'Reload' };
    default:
      return { kind: 'retry', label: 'Try again' };
  }
}
