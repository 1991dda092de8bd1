import { describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../devices.ts';
import { errorMessage } from '../errors.ts';
import { SYSTEM_AUDIO_KEY, systemAudioRoute, withSystemAudio } from './system-audio-device.ts';
import { systemAudioErrorCode } from './system-audio-errors.ts';

const mic: DeviceInfo = {
  key: 'Core Audio:MacBook Pro Microphone',
  name: 'MacBook Pro Microphone',
  index: 0,
  hostApi: 'Core Audio',
  maxInputChannels: 1,
  defaultSampleRate: 48_000,
  isDefault: true,
  kind: 'microphone',
};

describe('systemAudioRoute', () => {
  it('offers display media on Windows and on macOS 13 (Darwin 22) or later, the sound server on Linux', () => {
    expect(systemAudioRoute('win32', '10.0.19045')).toEqual({ kind: 'display-media', os: 'win32' });
    expect(systemAudioRoute('darwin', '22.1.0')).toEqual({ kind: 'display-media', os: 'darwin' });
    expect(systemAudioRoute('darwin', '24.6.0')).toEqual({ kind: 'display-media', os: 'darwin' });
    expect(systemAudioRoute('darwin', '21.6.0').kind).toBe('none');
    expect(systemAudioRoute('darwin', 'weird').kind).toBe('none');
    expect(systemAudioRoute('linux', '6.8.0')).toEqual({ kind: 'sound-server' });
    expect(systemAudioRoute('freebsd', '14.0').kind).toBe('none');
  });
});

describe('withSystemAudio', () => {
  it('adds one system entry where the route exists, and none on Linux or old macOS', () => {
    const win = withSystemAudio([mic], systemAudioRoute('win32', '10.0.22631'));
    expect(win.map((d) => [d.key, d.name, d.kind])).toEqual([
      [mic.key, mic.name, 'microphone'],
      [SYSTEM_AUDIO_KEY, 'System audio — everything this computer plays', 'system'],
    ]);
    expect(withSystemAudio(win, systemAudioRoute('win32', '10.0.22631'))).toHaveLength(2);
    expect(withSystemAudio([mic], systemAudioRoute('linux', '6.8.0'))).toEqual([mic]);
    expect(withSystemAudio([mic], systemAudioRoute('darwin', '21.6.0'))).toEqual([mic]);
  });
});

describe('systemAudioErrorCode', () => {
  it('tells a Mac user to allow Screen & System Audio Recording when permission is missing either way', () => {
    const rejected = systemAudioErrorCode('darwin', {
      kind: 'failed',
      stage: 'get-display-media',
      name: 'NotAllowedError',
    });
    // macOS 14.2+: a denied Core Audio tap is an audio track that ends at once, with no error.
    const silentEnd = systemAudioErrorCode('darwin', { kind: 'ended', hadAudio: false });
    expect([rejected, silentEnd]).toEqual(['SYSTEM_AUDIO_PERMISSION_DENIED', 'SYSTEM_AUDIO_PERMISSION_DENIED']);
    expect(errorMessage('SYSTEM_AUDIO_PERMISSION_DENIED')).toContain(
      'System Settings → Privacy & Security → Screen & System Audio Recording',
    );
  });

  it('on Windows, where loopback asks no permission, calls the same failures a failed start', () => {
    expect(systemAudioErrorCode('win32', { kind: 'failed', stage: 'get-display-media', name: 'NotAllowedError' })).toBe(
      'SYSTEM_AUDIO_START_FAILED',
    );
    expect(systemAudioErrorCode('win32', { kind: 'ended', hadAudio: false })).toBe('SYSTEM_AUDIO_START_FAILED');
    expect(systemAudioErrorCode('win32', { kind: 'failed', stage: 'no-audio-track', name: 'NoAudioTrack' })).toBe(
      'SYSTEM_AUDIO_START_FAILED',
    );
  });

  it('maps a missing audio track on macOS to unsupported, a track lost mid-call to SOURCE_LOST, silence from the page to a failed start', () => {
    expect(systemAudioErrorCode('darwin', { kind: 'failed', stage: 'no-audio-track', name: 'NoAudioTrack' })).toBe(
      'SYSTEM_AUDIO_UNSUPPORTED',
    );
    expect(
      systemAudioErrorCode('darwin', { kind: 'failed', stage: 'get-display-media', name: 'NotSupportedError' }),
    ).toBe('SYSTEM_AUDIO_UNSUPPORTED');
    expect(systemAudioErrorCode('darwin', { kind: 'ended', hadAudio: true })).toBe('SOURCE_LOST');
    expect(systemAudioErrorCode('win32', { kind: 'ended', hadAudio: true })).toBe('SOURCE_LOST');
    expect(systemAudioErrorCode('darwin', { kind: 'no-answer' })).toBe('SYSTEM_AUDIO_START_FAILED');
    expect(systemAudioErrorCode('win32', { kind: 'page-gone' })).toBe('SYSTEM_AUDIO_START_FAILED');
    expect(systemAudioErrorCode('darwin', { kind: 'failed', stage: 'audio-graph', name: 'NotReadableError' })).toBe(
      'SYSTEM_AUDIO_START_FAILED',
    );
  });
});
