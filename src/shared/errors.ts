/**
 * Every error a person can see, in one place: what happened and what to do about it.
 * Code that fails throws `EarshotError` with one of these codes; boundaries turn it into
 * `{code, message}` data. Add a code here before using it anywhere: its entry needs both the
 * message and the one action the app offers beside it (the type refuses an entry without).
 */

/**
 * The one thing a person can do about an error, offered as a button beside its message:
 * open the settings or the models page, list the microphones again, reload the page, or try
 * again (start once more). The renderer decides how each kind is labelled.
 */
export type ErrorActionKind = 'open-settings' | 'open-models' | 'refresh-devices' | 'reload' | 'retry';

export interface ErrorCatalogEntry {
  readonly message: string;
  readonly action: ErrorActionKind;
}

export const ERROR_CATALOG = {
  // IPC and validation
  IPC_FORBIDDEN_SENDER: {
    message: 'This request did not come from an Earshot window and was refused.',
    action: 'retry',
  },
  IPC_INVALID_PAYLOAD: {
    message: 'Earshot received a malformed request. Please report this if it keeps happening.',
    action: 'retry',
  },
  IPC_UNKNOWN_CHANNEL: { message: 'Earshot received a request it does not know. Please report this.', action: 'retry' },
  INTERNAL: {
    message: 'Something unexpected went wrong inside Earshot. Details are in the log file.',
    action: 'retry',
  },
  USAGE: { message: 'The command line was not understood. Run `earshot --help` for usage.', action: 'retry' },
  NOT_AVAILABLE: { message: 'This feature is not available in this build.', action: 'retry' },
  BRIDGE_DISCONNECTED: {
    message: 'The connection to Earshot was lost. It reconnects by itself; reload the page if it does not.',
    action: 'reload',
  },
  BRIDGE_UNAVAILABLE: {
    message:
      'The web interface could not start: the renderer is not built or the port is taken. Run `npm run build`, or pick another --port.',
    action: 'retry',
  },

  // Capture
  DEVICE_NOT_FOUND: {
    message: 'The selected microphone was not found. Plug it in, or choose another one.',
    action: 'refresh-devices',
  },
  DEVICE_BUSY: {
    message: 'The microphone is in use by another application. Close that app, or choose another microphone.',
    action: 'refresh-devices',
  },
  DEVICE_LOST: {
    message:
      'The microphone was disconnected. Earshot switched to the system default; it will switch back when it returns.',
    action: 'refresh-devices',
  },
  DEVICE_PERMISSION_DENIED: {
    message: 'Earshot is not allowed to use the microphone. Allow it in your system privacy settings and try again.',
    action: 'retry',
  },
  DEVICE_UNSUPPORTED_FORMAT: {
    message: 'The microphone does not support any format Earshot can use. Try another microphone.',
    action: 'refresh-devices',
  },
  DEVICE_OPEN_FAILED: {
    message: 'The microphone could not be opened. Unplug and replug it, or choose another one.',
    action: 'refresh-devices',
  },
  NO_INPUT_DEVICES: { message: 'No microphone was found. Connect one and press refresh.', action: 'refresh-devices' },
  CAPTURE_CRASHED: {
    message: 'The audio capture process stopped unexpectedly. Earshot is restarting it.',
    action: 'retry',
  },
  AUDIO_BACKEND_UNAVAILABLE: { message: 'The audio system could not be loaded. Reinstall Earshot.', action: 'retry' },

  // Engine and models
  MODEL_MISSING: {
    message: 'The speech model is not installed. Download it from the Models page.',
    action: 'open-models',
  },
  MODEL_INVALID: {
    message: 'The speech model files are damaged or incomplete. Delete the model and download it again.',
    action: 'open-models',
  },
  MODEL_DOWNLOAD_FAILED: {
    message: 'The model download failed. Check your connection and try again; it resumes where it stopped.',
    action: 'open-models',
  },
  MODEL_CHECKSUM_MISMATCH: {
    message: 'The downloaded model is corrupt (checksum mismatch). It was discarded; download it again.',
    action: 'open-models',
  },
  VAD_MISSING: {
    message: 'The voice activity model is missing. Reinstall Earshot or pass --vad-model.',
    action: 'retry',
  },
  ENGINE_START_FAILED: {
    message: 'The local speech engine could not start. Details are in the log file.',
    action: 'retry',
  },
  ENGINE_CRASHED: {
    message: 'The local speech engine stopped unexpectedly. Earshot is restarting it; no audio is lost.',
    action: 'retry',
  },

  // Session and providers
  PROVIDER_AUTH_FAILED: {
    message: 'The speech service rejected the API key. Check the key in Settings.',
    action: 'open-settings',
  },
  PROVIDER_UNREACHABLE: {
    message: 'The speech service could not be reached. Earshot keeps your audio and retries.',
    action: 'retry',
  },
  PROVIDER_PROTOCOL: {
    message: 'The speech service sent something Earshot did not understand. Earshot keeps going.',
    action: 'retry',
  },
  PROVIDER_ERROR: { message: 'The speech service reported an error.', action: 'retry' },
  PROVIDER_RATE_LIMITED: {
    message: 'The speech service is rate-limiting this account. Earshot will retry shortly.',
    action: 'retry',
  },
  PROVIDER_KEY_MISSING: {
    message: 'No API key is set for this speech service. Add one in Settings.',
    action: 'open-settings',
  },
  WS_CLOSED: {
    message: 'The connection to the speech service closed. Earshot is reconnecting without losing audio.',
    action: 'retry',
  },
  REPLAY_BUFFER_OVERFLOW: {
    message: 'The connection has been down too long; the oldest buffered audio was dropped.',
    action: 'retry',
  },
  SESSION_BUSY: { message: 'A transcription session is already running. Stop it first.', action: 'retry' },
  SESSION_NOT_RUNNING: { message: 'No transcription session is running.', action: 'retry' },
  DRAIN_TIMEOUT: {
    message: 'The speech service did not deliver the last words in time; everything received is saved.',
    action: 'retry',
  },

  // Storage
  SETTINGS_CORRUPT: {
    message: 'Your settings file was unreadable; defaults are in use and the old file was kept beside it.',
    action: 'retry',
  },
  SETTINGS_INVALID: { message: 'That setting cannot be saved: the value is not valid.', action: 'retry' },
  SETTINGS_WRITE_FAILED: {
    message:
      'Your settings could not be saved. Check that the Earshot data folder is writable and the disk is not full.',
    action: 'retry',
  },
  STORAGE_FULL: {
    message: 'The disk is full: the transcript is still shown but is not being saved. Free some space.',
    action: 'retry',
  },
  STORAGE_READ_ONLY: {
    message: 'The transcript folder is read-only: the transcript is still shown but is not being saved.',
    action: 'retry',
  },
  STORAGE_FAILED: {
    message: 'The transcript could not be saved. It is still shown; check the log file.',
    action: 'retry',
  },
  SESSION_NOT_FOUND: { message: 'That session no longer exists in History.', action: 'retry' },
  SECRETS_UNAVAILABLE: {
    message: 'The system keychain is not available, so the API key cannot be stored securely.',
    action: 'open-settings',
  },
  SECRETS_FAILED: {
    message: 'The API key could not be read or saved. Set it again in Settings; details are in the log file.',
    action: 'retry',
  },

  // Keys and addresses (where a saved key may go)
  PROVIDER_URL_INVALID: {
    message: 'The speech service address is not usable. Correct it in Settings (wss://… or ws://…).',
    action: 'open-settings',
  },
  PROVIDER_KEY_ORIGIN_CHANGED: {
    message:
      'The speech service address changed since its API key was saved, so the key was not sent. Enter the key again in Settings for the new address.',
    action: 'open-settings',
  },

  // Files and CLI input
  INPUT_NOT_FOUND: { message: 'The input file does not exist.', action: 'retry' },
  INPUT_INVALID: { message: 'The input file is not a 16-bit PCM WAV file.', action: 'retry' },
  OUTPUT_FAILED: { message: 'The output file could not be written.', action: 'retry' },

  // Captions server
  CAPTIONS_PORT_IN_USE: {
    message: 'The captions port is already in use. Choose another port in Settings.',
    action: 'open-settings',
  },
  CAPTIONS_HOST_NOT_ALLOWED: {
    message: 'The captions server only listens on this computer unless network (LAN) access is turned on.',
    action: 'retry',
  },
  CAPTIONS_TOKEN_INVALID: {
    message: 'The captions token is not usable. Choose another one, or leave it empty to get a random one.',
    action: 'retry',
  },
  CAPTIONS_START_FAILED: {
    message: 'The captions server could not start. Check the host and port in Settings.',
    action: 'retry',
  },

  // Packaging (build time: the message names the file and the step)
  PACKAGING_FAILED: { message: 'A packaging step failed; the message names the step and the file.', action: 'retry' },
  ELF_INVALID: { message: 'The file is not a 64-bit little-endian ELF library, or it is damaged.', action: 'retry' },
  ELF_NO_RUNPATH: { message: 'The library has no RUNPATH or RPATH entry to rewrite.', action: 'retry' },
  ELF_RUNPATH_UNPATCHABLE: { message: 'The library search path cannot be rewritten in place.', action: 'retry' },
} as const satisfies Record<string, ErrorCatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The catalog's text for a code: what a person reads when nothing more specific is known. */
export function errorMessage(code: ErrorCode): string {
  return ERROR_CATALOG[code].message;
}

/** What a person can do about an error with this code. */
export function errorAction(code: ErrorCode): ErrorActionKind {
  return ERROR_CATALOG[code].action;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOG, value);
}

/** An error with a code a person can look up; `message` may add specifics to the catalog text. */
export class EarshotError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = errorMessage(code), options?: ErrorOptions) {
    super(message, options);
    this.name = 'EarshotError';
    this.code = code;
  }
}

/** Turns anything thrown into data fit to show a person: known codes keep their message. */
export function toErrorPayload(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof EarshotError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: errorMessage('INTERNAL') };
}
