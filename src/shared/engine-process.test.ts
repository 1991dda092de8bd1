import { describe, expect, it } from 'vitest';
import {
  engineChildMessageSchema,
  parseEngineConfig,
  serializeEngineConfig,
  type EngineChildConfig,
} from './engine-process.ts';

const config: EngineChildConfig = {
  modelDir: '/models/earshot-test-ctc-en',
  vadModelPath: null,
  host: '127.0.0.1',
  port: 43_210,
  token: 'a-token-of-some-length',
  workers: 2,
};

describe('the engine child configuration', () => {
  it('survives the trip through the environment unchanged', () => {
    expect(parseEngineConfig(serializeEngineConfig(config))).toEqual(config);
  });

  it('is refused by the launcher when invalid, naming the field', () => {
    expect(() => serializeEngineConfig({ ...config, port: 70_000 })).toThrow(
      expect.objectContaining({ code: 'ENGINE_START_FAILED', message: expect.stringContaining('port') as unknown }),
    );
    expect(() => serializeEngineConfig({ ...config, token: '' })).toThrow(/token/);
  });

  it('is refused by the engine when missing, not JSON, or malformed, saying which', () => {
    expect(() => parseEngineConfig(undefined)).toThrow(
      expect.objectContaining({
        code: 'ENGINE_START_FAILED',
        message: 'EARSHOT_ENGINE_CONFIG is not set: start the engine through startLocalEngine.',
      }),
    );
    expect(() => parseEngineConfig('{"modelDir":')).toThrow(/^EARSHOT_ENGINE_CONFIG is not JSON: /);
    const malformed = (() => {
      try {
        parseEngineConfig(JSON.stringify({ ...config, modelDir: 7, workers: 0 }));
        return null;
      } catch (error) {
        return error as Error & { code: string };
      }
    })();
    expect(malformed?.code).toBe('ENGINE_START_FAILED');
    expect(malformed?.message).toMatch(/^EARSHOT_ENGINE_CONFIG is malformed: modelDir: .*; workers: /);
    expect(() => parseEngineConfig('[]')).toThrow(/malformed: the whole value: /);
  });
});

describe('the engine child messages', () => {
  it('accepts listening and start_failed, and nothing else', () => {
    const listening = {
      type: 'listening',
      url: 'ws://127.0.0.1:43210/v1/realtime',
      port: 43_210,
      token: 't',
      model: { name: 'm', kind: 'offline', sampleRate: 16_000, language: 'en' },
    };
    expect(engineChildMessageSchema.parse(listening)).toEqual(listening);
    expect(engineChildMessageSchema.parse({ type: 'start_failed', code: 'MODEL_MISSING', message: 'no' })).toEqual({
      type: 'start_failed',
      code: 'MODEL_MISSING',
      message: 'no',
    });
    expect(
      engineChildMessageSchema.safeParse({ ...listening, model: { ...listening.model, kind: 'both' } }).success,
    ).toBe(false);
    expect(engineChildMessageSchema.safeParse({ type: 'ready' }).success).toBe(false);
  });
});
