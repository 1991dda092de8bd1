import { EarshotError, type ErrorCode } from '../shared/errors.ts';

/**
 * PortAudio reports failures as terse texts ("Invalid sample rate", "Device unavailable") or,
 * through other wrappers, as codes ("PaErrorCode -9985"). People must never see those: each
 * is mapped to an Earshot code with a sentence that names the device and says what to do.
 * The raw text stays in the log (`cause`).
 */
export type PortAudioFailure = 'format' | 'busy' | 'not-found' | 'no-default' | 'host' | 'backend' | 'other';

const PATTERNS: readonly [RegExp, PortAudioFailure][] = [
  [/invalid sample rate|-9997\b/i, 'format'],
  [/invalid number of channels|channel count exceeds|-9998\b/i, 'format'],
  [/sample format not supported|-9994\b/i, 'format'],
  [/device unavailable|-9985\b/i, 'busy'],
  [/no default device/i, 'no-default'],
  [/invalid device|-9996\b/i, 'not-found'],
  [/could not initialize portaudio|portaudio not initialized|-10000\b/i, 'backend'],
  [/unanticipated host error|-9999\b/i, 'host'],
];

export function classifyPortAudioError(message: string): PortAudioFailure {
  return PATTERNS.find(([pattern]) => pattern.test(message))?.[1] ?? 'other';
}

/** True when another rate or channel count might open the device where this one failed. */
export function isFormatRejection(message: string): boolean {
  return classifyPortAudioError(message) === 'format';
}

export function portAudioError(
  raw: unknown,
  deviceName: string | null,
  platform: string = process.platform,
): EarshotError {
  const message = raw instanceof Error ? raw.message : String(raw);
  const name = deviceName === null ? 'The microphone' : `“${deviceName}”`;
  const failure = classifyPortAudioError(message);
  const [code, text] = describe(failure, name, platform);
  return new EarshotError(code, text, { cause: raw });
}

function describe(failure: PortAudioFailure, name: string, platform: string): [ErrorCode, string] {
  switch (failure) {
    case 'format':
      return [
        'DEVICE_UNSUPPORTED_FORMAT',
        `${name} does not accept any sample rate or channel count Earshot can use. Try another microphone.`,
      ];
    case 'busy':
      return [
        'DEVICE_BUSY',
        `${name} is in use by another application, or was just unplugged. Close the other app (or plug it back in), or choose another microphone.`,
      ];
    case 'not-found':
      return ['DEVICE_NOT_FOUND', `${name} is no longer available. Plug it in, or choose another microphone.`];
    case 'no-default':
      return ['NO_INPUT_DEVICES', 'There is no default microphone. Connect one, or choose a microphone by name.'];
    case 'backend':
      return [
        'AUDIO_BACKEND_UNAVAILABLE',
        'The system audio service could not be started. Check that sound works in other apps, then restart Earshot.',
      ];
    case 'host':
      // Windows and macOS report a privacy block as a generic host error (peers' users found
      // the cause only after days); Linux uses it for a vanished PulseAudio/PipeWire source.
      if (platform === 'win32') {
        return [
          'DEVICE_PERMISSION_DENIED',
          `${name} could not be opened. Windows may be blocking microphone access: turn on Settings → Privacy → Microphone → "Let desktop apps access your microphone", then try again.`,
        ];
      }
      if (platform === 'darwin') {
        return [
          'DEVICE_PERMISSION_DENIED',
          `${name} could not be opened. Allow Earshot in System Settings → Privacy & Security → Microphone, then try again.`,
        ];
      }
      return [
        'DEVICE_OPEN_FAILED',
        `${name} could not be opened: the sound system reported an error. Unplug and replug it, or choose another microphone.`,
      ];
    case 'other':
      return ['DEVICE_OPEN_FAILED', `${name} could not be opened. Unplug and replug it, or choose another microphone.`];
  }
}

export function unsupportedFormatError(deviceName: string, tried: readonly string[]): EarshotError {
  return new EarshotError(
    'DEVICE_UNSUPPORTED_FORMAT',
    `“${deviceName}” does not accept any format Earshot can use (tried ${tried.join(', ')}). Try another microphone.`,
  );
}
