import { describe, expect, it } from 'vitest';
import {
  InvalidSetting,
  applyBetaUpdate,
  applySessionUpdate,
  defaultSessionConfig,
  recognizerSettings,
} from './session-config.ts';

const model = { name: 'm', kind: 'online' as const, sampleRate: 16000, language: 'en' };

describe('session configuration', () => {
  it('defaults to OpenAI: 24 kHz and server VAD 0.5 / 300 / 500', () => {
    const c = defaultSessionConfig(model);
    expect(c.rate).toBe(24000);
    expect(recognizerSettings(c)).toEqual({
      inputRate: 24000,
      vad: { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 },
    });
  });

  it('applies only the fields present and ignores unknown ones', () => {
    const c = applySessionUpdate(defaultSessionConfig(model), {
      type: 'transcription',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 16000 },
          turn_detection: { silence_duration_ms: 800 },
          whatever: 1,
        },
      },
      include: ['x'],
    });
    expect(c.rate).toBe(16000);
    expect(c.turnDetection).toEqual({
      type: 'server_vad',
      threshold: 0.5,
      prefix_padding_ms: 300,
      silence_duration_ms: 800,
    });
    expect(applySessionUpdate(c, { audio: { input: { turn_detection: null } } }).turnDetection).toBeNull();
  });

  it('rejects invalid values with the param at fault', () => {
    const c = defaultSessionConfig(model);
    const param = (f: () => unknown): string => {
      try {
        f();
      } catch (error) {
        if (error instanceof InvalidSetting) return error.param;
        throw error;
      }
      return 'accepted';
    };
    expect(param(() => applySessionUpdate(c, { audio: { input: { format: { rate: 8000 } } } }))).toBe(
      'session.audio.input.format.rate',
    );
    expect(param(() => applySessionUpdate(c, { audio: { input: { format: { type: 'audio/pcmu' } } } }))).toBe(
      'session.audio.input.format.type',
    );
    expect(param(() => applySessionUpdate(c, { type: 'realtime' }))).toBe('session.type');
    expect(param(() => applySessionUpdate(c, { audio: { input: { turn_detection: { type: 'semantic_vad' } } } }))).toBe(
      'session.audio.input.turn_detection.type',
    );
    expect(param(() => applySessionUpdate(c, { audio: { input: { turn_detection: { threshold: 2 } } } }))).toBe(
      'session.audio.input.turn_detection.threshold',
    );
    expect(param(() => applySessionUpdate(c, 'nope'))).toBe('session');
    expect(param(() => applyBetaUpdate(c, { input_audio_format: 'g711_ulaw' }))).toBe('session.input_audio_format');
  });
});

describe('rejected settings', () => {
  const c = defaultSessionConfig(model);
  const rejection = (f: () => unknown): { param: string; message: string } => {
    try {
      f();
    } catch (error) {
      if (error instanceof InvalidSetting) return { param: error.param, message: error.message };
      throw error;
    }
    throw new Error('accepted');
  };

  it('say what is accepted, in the same words whether the shape or the engine refused the value', () => {
    expect(rejection(() => applySessionUpdate(c, { audio: { input: { format: { rate: 8000 } } } })).message).toBe(
      'Sample rate 8000 is not supported; use 24000 or 16000.',
    );
    expect(rejection(() => applySessionUpdate(c, { audio: { input: { format: { rate: 'fast' } } } })).message).toBe(
      'Sample rate "fast" is not supported; use 24000 or 16000.',
    );
    expect(rejection(() => applySessionUpdate(c, { type: 'realtime' })).message).toBe(
      'This engine only runs transcription sessions; session.type "realtime" is not supported.',
    );
    expect(
      rejection(() => applySessionUpdate(c, { audio: { input: { turn_detection: { type: 'semantic_vad' } } } })),
    ).toEqual({
      param: 'session.audio.input.turn_detection.type',
      message: 'turn_detection type "semantic_vad" is not supported; use "server_vad" or null.',
    });
    for (const threshold of [2, 'high'])
      expect(
        rejection(() => applySessionUpdate(c, { audio: { input: { turn_detection: { threshold } } } })).message,
      ).toBe('threshold must be a number from 0.01 to 0.99.');
    expect(rejection(() => applySessionUpdate(c, { audio: null }))).toEqual({
      param: 'session.audio',
      message: 'session.audio must be an object.',
    });
    expect(rejection(() => applySessionUpdate(c, { audio: { input: { transcription: { language: 5 } } } }))).toEqual({
      param: 'session.audio.input.transcription.language',
      message: 'language must be a string.',
    });
  });

  it('report a noise-reduction setting as a whole, in both shapes', () => {
    expect(rejection(() => applySessionUpdate(c, { audio: { input: { noise_reduction: { type: 'x' } } } }))).toEqual({
      param: 'session.audio.input.noise_reduction',
      message: 'noise_reduction must be null or {"type": "near_field" | "far_field"}.',
    });
    expect(rejection(() => applyBetaUpdate(c, { input_audio_noise_reduction: 'on' })).param).toBe(
      'session.input_audio_noise_reduction',
    );
  });

  it('change nothing on a valid beta update without fields, and accept null to skip transcription', () => {
    expect(applyBetaUpdate(c, {})).toEqual(c);
    expect(applySessionUpdate(c, { audio: { input: { transcription: null } } })).toEqual(c);
  });
});
