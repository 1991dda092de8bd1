/**
 * Every error a person can see, in one place: what happened and what to do about it.
 * Code that fails throws `EarshotError` with one of these codes; boundaries turn it into
 * `{code, message}` data. Add a code here before using it anywhere.
 */
export const ERROR_CATALOG = {
  // IPC and validation
  IPC_FORBIDDEN_SENDER: 'This request did not come from an Earshot window and was refused.',
  IPC_INVALID_PAYLOAD: 'Earshot received a malformed request. Please report this if it keeps happening.',
  IPC_UNKNOWN_CHANNEL: 'Earshot received a request it does not know. Please report this.',
  INTERNAL: 'Something unexpected went wrong inside Earshot. Details are in the log file.',
  USAGE: 'The command line was not understood. Run `earshot --help` for usage.',
  NOT_AVAILABLE: 'This feature is not available in this build.',
  BRIDGE_DISCONNECTED: 'The connection to Earshot was lost. It reconnects by itself; reload the page if it does not.',
  BRIDGE_UNAVAILABLE:
    'The web interface could not start: the renderer is not built or the port is taken. Run `npm run build`, or pick another --port.',

  // Capture
  DEVICE_NOT_FOUND: 'The selected microphone was not found. Plug it in, or choose another one.',
  DEVICE_BUSY: 'The microphone is in use by another application. Close that app, or choose another microphone.',
  DEVICE_LOST:
    'The microphone was disconnected. Earshot switched to the system default; it will switch back when it returns.',
  DEVICE_PERMISSION_DENIED:
    'Earshot is not allowed to use the microphone. Allow it in your system privacy settings and try again.',
  DEVICE_UNSUPPORTED_FORMAT: 'The microphone does not support any format Earshot can use. Try another microphone.',
  DEVICE_OPEN_FAILED: 'The microphone could not be opened. Unplug and replug it, or choose another one.',
  NO_INPUT_DEVICES: 'No microphone was found. Connect one and press refresh.',
  CAPTURE_CRASHED: 'The audio capture process stopped unexpectedly. Earshot is restarting it.',
  AUDIO_BACKEND_UNAVAILABLE: 'The audio system could not be loaded. Reinstall Earshot.',

  // Engine and models
  MODEL_MISSING: 'The speech model is not installed. Download it from the Models page.',
  MODEL_INVALID: 'The speech model files are damaged or incomplete. Delete the model and download it again.',
  MODEL_DOWNLOAD_FAILED: 'The model download failed. Check your connection and try again; it resumes where it stopped.',
  MODEL_CHECKSUM_MISMATCH: 'The downloaded model is corrupt (checksum mismatch). It was discarded; download it again.',
  VAD_MISSING: 'The voice activity model is missing. Reinstall Earshot or pass --vad-model.',
  ENGINE_START_FAILED: 'The local speech engine could not start. Details are in the log file.',
  ENGINE_CRASHED: 'The local speech engine stopped unexpectedly. Earshot is restarting it; no audio is lost.',

  // Session and providers
  PROVIDER_AUTH_FAILED: 'The speech service rejected the API key. Check the key in Settings.',
  PROVIDER_UNREACHABLE: 'The speech service could not be reached. Earshot keeps your audio and retries.',
  PROVIDER_PROTOCOL: 'The speech service sent something Earshot did not understand. Earshot keeps going.',
  PROVIDER_ERROR: 'The speech service reported an error.',
  PROVIDER_RATE_LIMITED: 'The speech service is rate-limiting this account. Earshot will retry shortly.',
  PROVIDER_KEY_MISSING: 'No API key is set for this speech service. Add one in Settings.',
  WS_CLOSED: 'The connection to the speech service closed. Earshot is reconnecting without losing audio.',
  REPLAY_BUFFER_OVERFLOW: 'The connection has been down too long; the oldest buffered audio was dropped.',
  SESSION_BUSY: 'A transcription session is already running. Stop it first.',
  SESSION_NOT_RUNNING: 'No transcription session is running.',
  DRAIN_TIMEOUT: 'The speech service did not deliver the last words in time; everything received is saved.',

  // Storage
  SETTINGS_CORRUPT: 'Your settings file was unreadable; defaults are in use and the old file was kept beside it.',
  SETTINGS_INVALID: 'That setting cannot be saved: the value is not valid.',
  SETTINGS_WRITE_FAILED:
    'Your settings could not be saved. Check that the Earshot data folder is writable and the disk is not full.',
  STORAGE_FULL: 'The disk is full: the transcript is still shown but is not being saved. Free some space.',
  STORAGE_READ_ONLY: 'The transcript folder is read-only: the transcript is still shown but is not being saved.',
  STORAGE_FAILED: 'The transcript could not be saved. It is still shown; check the log file.',
  SESSION_NOT_FOUND: 'That session no longer exists in History.',
  SECRETS_UNAVAILABLE: 'The system keychain is not available, so the API key cannot be stored securely.',
  SECRETS_FAILED: 'The API key could not be read or saved. Set it again in Settings; details are in the log file.',

  // Files and CLI input
  INPUT_NOT_FOUND: 'The input file does not exist.',
  INPUT_INVALID: 'The input file is not a 16-bit PCM WAV file.',
  OUTPUT_FAILED: 'The output file could not be written.',

  // Captions server
  CAPTIONS_PORT_IN_USE: 'The captions port is already in use. Choose another port in Settings.',
  CAPTIONS_HOST_NOT_ALLOWED:
    'The captions server only listens on this computer unless network (LAN) access is turned on.',
  CAPTIONS_TOKEN_INVALID:
    'The captions token is not usable. Choose another one, or leave it empty to get a random one.',
  CAPTIONS_START_FAILED: 'The captions server could not start. Check the host and port in Settings.',

  // Packaging (build time: the message names the file and the step)
  PACKAGING_FAILED: 'A packaging step failed; the message names the step and the file.',
  ELF_INVALID: 'The file is not a 64-bit little-endian ELF library, or it is damaged.',
  ELF_NO_RUNPATH: 'The library has no RUNPATH or RPATH entry to rewrite.',
  ELF_RUNPATH_UNPATCHABLE: 'The library search path cannot be rewritten in place.',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOG, value);
}

/** An error with a code a person can look up; `message` may add specifics to the catalog text. */
export class EarshotError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = ERROR_CATALOG[code], options?: ErrorOptions) {
    super(message, options);
    this.name = 'EarshotError';
    this.code = code;
  }
}

/** Turns anything thrown into data fit to show a person: known codes keep their message. */
export function toErrorPayload(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof EarshotError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: ERROR_CATALOG.INTERNAL };
}
