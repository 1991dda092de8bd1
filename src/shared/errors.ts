/**
 * Every error a person can see, in one place: what happened and what to do about it.
 * (Over 300 lines on purpose: one catalog, so no message is written twice or drifts.)
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

/** One catalog entry: the message, then the action offered beside it. */
function entry(message: string, action: ErrorActionKind): ErrorCatalogEntry {
  return { message, action };
}

export const ERROR_CATALOG = {
  // IPC and validation
  IPC_FORBIDDEN_SENDER: entry('This request did not come from an Earshot window and was refused.', 'retry'),
  IPC_INVALID_PAYLOAD: entry(
    'Earshot received a malformed request. Please report this if it keeps happening.',
    'retry',
  ),
  IPC_UNKNOWN_CHANNEL: entry('Earshot received a request it does not know. Please report this.', 'retry'),
  INTERNAL: entry('Something unexpected went wrong inside Earshot. Details are in the log file.', 'retry'),
  USAGE: entry('The command line was not understood. Run `earshot --help` for usage.', 'retry'),
  NOT_AVAILABLE: entry('This feature is not available in this build.', 'retry'),
  BRIDGE_DISCONNECTED: entry(
    'The connection to Earshot was lost. It reconnects by itself; reload the page if it does not.',
    'reload',
  ),
  BRIDGE_UNAVAILABLE: entry(
    'The web interface could not start: the renderer is not built or the port is taken. Run `npm run build`, or pick another --port.',
    'retry',
  ),

  // Capture
  DEVICE_NOT_FOUND: entry(
    'The selected microphone was not found. Plug it in, or choose another one.',
    'refresh-devices',
  ),
  DEVICE_BUSY: entry(
    'The microphone is in use by another application. Close that app, or choose another microphone.',
    'refresh-devices',
  ),
  DEVICE_LOST: entry(
    'The microphone was disconnected. Earshot switched to the system default; it will switch back when it returns.',
    'refresh-devices',
  ),
  SYSTEM_AUDIO_SILENT: entry(
    'System audio is selected but silent while the microphone hears speech, so the other side of the call is not being transcribed. Check that the call plays through the output whose system audio is selected, or choose another output.',
    'refresh-devices',
  ),
  SOURCE_LOST: entry(
    'One of the two audio sources stopped delivering sound. The other keeps being transcribed; everything recorded so far is kept.',
    'refresh-devices',
  ),
  // System audio on macOS and Windows (issue 13): the display-media loopback route
  SYSTEM_AUDIO_PERMISSION_DENIED: entry(
    'Earshot is not allowed to record system audio. Open System Settings → Privacy & Security → Screen & System Audio Recording, turn Earshot on, then quit and reopen Earshot.',
    'retry',
  ),
  SYSTEM_AUDIO_UNSUPPORTED: entry(
    'System audio cannot be captured here: it needs macOS 13 or later, or Windows 10 or later. Transcribe the microphone alone, or play the call through a loopback device (such as BlackHole) and choose that as the microphone.',
    'refresh-devices',
  ),
  SYSTEM_AUDIO_START_FAILED: entry(
    'System audio could not be started. Try again; if it keeps failing, restart Earshot. Details are in the log file.',
    'retry',
  ),
  BLUETOOTH_CALL_PROFILE: entry(
    'A Bluetooth headset in its call profile hears at 8 or 16 kHz, so transcripts get worse. Use the computer’s microphone for input and keep the headset for listening, or switch the headset back to its high-quality mode.',
    'refresh-devices',
  ),
  DEVICE_PERMISSION_DENIED: entry(
    'Earshot is not allowed to use the microphone. Allow it in your system privacy settings and try again.',
    'retry',
  ),
  DEVICE_UNSUPPORTED_FORMAT: entry(
    'The microphone does not support any format Earshot can use. Try another microphone.',
    'refresh-devices',
  ),
  DEVICE_OPEN_FAILED: entry(
    'The microphone could not be opened. Unplug and replug it, or choose another one.',
    'refresh-devices',
  ),
  NO_INPUT_DEVICES: entry('No microphone was found. Connect one and press refresh.', 'refresh-devices'),
  CAPTURE_CRASHED: entry('The audio capture process stopped unexpectedly. Earshot is restarting it.', 'retry'),
  AUDIO_BACKEND_UNAVAILABLE: entry('The audio system could not be loaded. Reinstall Earshot.', 'retry'),

  // Engine and models
  MODEL_MISSING: entry('The speech model is not installed. Download it from the Models page.', 'open-models'),
  MODEL_INVALID: entry(
    'The speech model files are damaged or incomplete. Delete the model and download it again.',
    'open-models',
  ),
  MODEL_DOWNLOAD_FAILED: entry(
    'The model download failed. Check your connection and try again; it resumes where it stopped.',
    'open-models',
  ),
  MODEL_CHECKSUM_MISMATCH: entry(
    'The downloaded model is corrupt (checksum mismatch). It was discarded; download it again.',
    'open-models',
  ),
  // Models you can trust (issue 14): what the model downloader refuses, and why
  MODEL_UNVERIFIED: entry(
    'Earshot has no verified checksum for this model, so it does not download it. Choose another model; a copy already installed keeps working.',
    'open-models',
  ),
  MODEL_DOWNLOAD_REJECTED: entry(
    'The server sent something other than the model (often a public Wi-Fi sign-in page). The partial download was deleted. Sign in to the network in your browser, then download again.',
    'open-models',
  ),
  VAD_MISSING: entry('The voice activity model is missing. Reinstall Earshot or pass --vad-model.', 'retry'),
  ENGINE_START_FAILED: entry('The local speech engine could not start. Details are in the log file.', 'retry'),
  ENGINE_CRASHED: entry(
    'The local speech engine stopped unexpectedly. Earshot is restarting it; no audio is lost.',
    'retry',
  ),

  // Session and providers
  PROVIDER_AUTH_FAILED: entry('The speech service rejected the API key. Check the key in Settings.', 'open-settings'),
  PROVIDER_UNREACHABLE: entry(
    'The speech service could not be reached. Earshot keeps your audio and retries.',
    'retry',
  ),
  PROVIDER_PROTOCOL: entry(
    'The speech service sent something Earshot did not understand. Earshot keeps going.',
    'retry',
  ),
  PROVIDER_ERROR: entry('The speech service reported an error.', 'retry'),
  PROVIDER_RATE_LIMITED: entry(
    'The speech service is rate-limiting this account. Earshot will retry shortly.',
    'retry',
  ),
  PROVIDER_KEY_MISSING: entry('No API key is set for this speech service. Add one in Settings.', 'open-settings'),
  WS_CLOSED: entry(
    'The connection to the speech service closed. Earshot is reconnecting without losing audio.',
    'retry',
  ),
  REPLAY_BUFFER_OVERFLOW: entry(
    'The connection has been down too long; the oldest buffered audio was dropped.',
    'retry',
  ),
  SESSION_BUSY: entry('A transcription session is already running. Stop it first.', 'retry'),
  SESSION_NOT_RUNNING: entry('No transcription session is running.', 'retry'),
  DRAIN_TIMEOUT: entry(
    'The speech service did not deliver the last words in time; everything received is saved.',
    'retry',
  ),

  // Quit and crash (issue 14)
  QUIT_DRAIN_CUT: entry(
    'Earshot was quitting before the speech service delivered the last words; the words on screen were saved as they were.',
    'retry',
  ),

  // Storage
  SETTINGS_CORRUPT: entry(
    'Your settings file was unreadable; defaults are in use and the old file was kept beside it.',
    'retry',
  ),
  SETTINGS_INVALID: entry('That setting cannot be saved: the value is not valid.', 'retry'),
  SETTINGS_WRITE_FAILED: entry(
    'Your settings could not be saved. Check that the Earshot data folder is writable and the disk is not full.',
    'retry',
  ),
  STORAGE_FULL: entry(
    'The disk is full: the transcript is still shown but is not being saved. Free some space.',
    'retry',
  ),
  STORAGE_READ_ONLY: entry(
    'The transcript folder is read-only: the transcript is still shown but is not being saved.',
    'retry',
  ),
  STORAGE_FAILED: entry('The transcript could not be saved. It is still shown; check the log file.', 'retry'),
  SESSION_NOT_FOUND: entry('That session no longer exists in History.', 'retry'),
  SECRETS_UNAVAILABLE: entry(
    'The system keychain is not available, so the API key cannot be stored securely.',
    'open-settings',
  ),
  SECRETS_FAILED: entry(
    'The API key could not be read or saved. Set it again in Settings; details are in the log file.',
    'retry',
  ),

  // Stores that heal (issue 14): the data-folder lock, the history index, damaged journals
  DATA_DIR_IN_USE: entry(
    'Another Earshot is already using this data folder. Close it first, or give this one another folder (--data-dir).',
    'retry',
  ),
  HISTORY_REBUILT: entry(
    'The History index was damaged, so Earshot set it aside and rebuilt it from your saved transcripts. Nothing was lost.',
    'retry',
  ),
  HISTORY_IN_MEMORY: entry(
    'The History index could not be written, so History is rebuilt in memory for this run. Your transcripts are safe; check that the data folder is writable.',
    'retry',
  ),
  JOURNAL_SKIPPED: entry(
    'A saved transcript file could not be read and is not listed in History. It was left untouched where it is.',
    'retry',
  ),
  JOURNAL_REPAIRED: entry(
    'A saved transcript file had a damaged header; its text was read and is listed in History. The file was left as it is.',
    'retry',
  ),

  // Keys and addresses (where a saved key may go)
  PROVIDER_URL_INVALID: entry(
    'The speech service address is not usable. Correct it in Settings (wss://… or ws://…).',
    'open-settings',
  ),
  PROVIDER_MODEL_MISSING: entry(
    'The speech server needs the name of the model it serves, and none was given. Enter the model in Settings (or pass --model NAME).',
    'open-settings',
  ),
  PROVIDER_PATH_NOT_FOUND: entry(
    'The speech server has no realtime endpoint at that address. Check the URL in Settings: OpenAI-compatible servers listen on /v1/realtime.',
    'open-settings',
  ),
  PROVIDER_KEY_ORIGIN_CHANGED: entry(
    'The speech service address changed since its API key was saved, so the key was not sent. Enter the key again in Settings for the new address.',
    'open-settings',
  ),

  // Files and CLI input
  INPUT_NOT_FOUND: entry('The input file does not exist.', 'retry'),
  INPUT_INVALID: entry('The input file is not a 16-bit PCM WAV file.', 'retry'),
  OUTPUT_FAILED: entry('The output file could not be written.', 'retry'),

  // Captions server
  CAPTIONS_PORT_IN_USE: entry('The captions port is already in use. Choose another port in Settings.', 'open-settings'),
  CAPTIONS_HOST_NOT_ALLOWED: entry(
    'The captions server only listens on this computer unless network (LAN) access is turned on.',
    'retry',
  ),
  CAPTIONS_TOKEN_INVALID: entry(
    'The captions token is not usable. Choose another one, or leave it empty to get a random one.',
    'retry',
  ),
  CAPTIONS_START_FAILED: entry('The captions server could not start. Check the host and port in Settings.', 'retry'),

  // Electron shell (issue 14: renderer crashes)
  RENDERER_CRASHED: entry(
    'Earshot’s window kept crashing, so it was not reopened again. Transcription is not affected: a running session keeps recording and saving to History. Press Reload to open the window again.',
    'reload',
  ),

  // Outages and failover (issue 14: a session rides out any outage)
  OFFLINE_DISK_LOW: entry(
    'The disk is almost full: offline audio will soon have nowhere to go. Free some disk space, or Earshot will drop the oldest audio.',
    'retry',
  ),
  OFFLINE_DISK_FULL: entry(
    'Earshot cannot keep more offline audio on disk; it keeps the last two minutes until the service is back. Free some disk space.',
    'retry',
  ),
  FAILOVER_ACTIVE: entry(
    'The speech service is unreachable, so this computer transcribes for now. Your words keep appearing; the cloud service is tried again in the background.',
    'open-settings',
  ),
  FAILOVER_UNAVAILABLE: entry(
    'The speech service is unreachable and no offline model is installed to take over. Earshot keeps recording and sends the audio when the service is back; install a model on the Models page to keep transcribing offline.',
    'open-models',
  ),

  // Packaging (build time: the message names the file and the step)
  PACKAGING_FAILED: entry('A packaging step failed; the message names the step and the file.', 'retry'),
  ELF_INVALID: entry('The file is not a 64-bit little-endian ELF library, or it is damaged.', 'retry'),
  ELF_NO_RUNPATH: entry('The library has no RUNPATH or RPATH entry to rewrite.', 'retry'),
  ELF_RUNPATH_UNPATCHABLE: entry('The library search path cannot be rewritten in place.', 'retry'),
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
