import { describe, expect, it } from 'vitest';
import { EarshotError } from '../shared/errors.ts';
import { classifyPortAudioError, isFormatRejection, portAudioError } from './portaudio-errors.ts';

describe('portAudioError', () => {
  it.each([
    ['Format not supported: Invalid sample rate', 'DEVICE_UNSUPPORTED_FORMAT'],
    ['Could not open stream: Device unavailable', 'DEVICE_BUSY'],
    ['Invalid device', 'DEVICE_NOT_FOUND'],
    ['No default device', 'NO_INPUT_DEVICES'],
    ['Could not initialize PortAudio: Insufficient memory', 'AUDIO_BACKEND_UNAVAILABLE'],
    ['Error opening InputStream: Unanticipated host error [PaErrorCode -9999]', 'DEVICE_OPEN_FAILED'],
    ['Error querying device -1 [PaErrorCode -9996]', 'DEVICE_NOT_FOUND'],
    ['Something nobody anticipated', 'DEVICE_OPEN_FAILED'],
  ])('maps "%s" to %s on Linux, naming the device and without the raw text', (raw, code) => {
    const error = portAudioError(new Error(raw), 'USB Mic', 'linux');
    expect(error).toBeInstanceOf(EarshotError);
    expect(error.code).toBe(code);
    expect(error.message).not.toMatch(/PaErrorCode|Unanticipated|Invalid|-99/);
    if (code !== 'NO_INPUT_DEVICES' && code !== 'AUDIO_BACKEND_UNAVAILABLE')
      expect(error.message).toContain('“USB Mic”');
  });

  it('points Windows and macOS users at the privacy switch for a host error', () => {
    const win = portAudioError('Unanticipated host error', 'Microphone', 'win32');
    expect(win.code).toBe('DEVICE_PERMISSION_DENIED');
    expect(win.message).toMatch(/Privacy → Microphone/);
    expect(portAudioError('Unanticipated host error', null, 'darwin')).toMatchObject({
      code: 'DEVICE_PERMISSION_DENIED',
    });
  });

  it('keeps the raw PortAudio error as the cause for the log', () => {
    const raw = new Error('Device unavailable');
    expect(portAudioError(raw, 'Mic', 'linux').cause).toBe(raw);
  });

  it('tells format rejections (worth another rate) from real failures', () => {
    expect(isFormatRejection('Format not supported: Invalid number of channels')).toBe(true);
    expect(isFormatRejection('Channel count exceeds maximum number of channels for device')).toBe(true);
    expect(isFormatRejection('Device unavailable')).toBe(false);
    expect(classifyPortAudioError('PaErrorCode -9985')).toBe('busy');
  });
});
