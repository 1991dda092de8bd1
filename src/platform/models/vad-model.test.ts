import { describe, expect, it } from 'vitest';
import { OFFLINE_TEST_MODEL, MODELS_DIR, VAD_MODEL } from '../../../tests/helpers/paths.ts';
import { findVadModel } from './vad-model.ts';

describe('findVadModel', () => {
  it('finds the VAD in a sibling folder of the model, in the models folder, explicitly and from EARSHOT_VAD_MODEL', () => {
    expect(findVadModel({ modelDir: OFFLINE_TEST_MODEL, env: {} })).toBe(VAD_MODEL);
    expect(findVadModel({ modelsDir: MODELS_DIR, env: {} })).toBe(VAD_MODEL);
    expect(findVadModel({ explicit: VAD_MODEL, env: {} })).toBe(VAD_MODEL);
    expect(findVadModel({ env: { EARSHOT_VAD_MODEL: VAD_MODEL } })).toBe(VAD_MODEL);
    expect(findVadModel({ env: {} })).toBeNull();
  });

  it('an explicit path that does not exist is VAD_MISSING, not a silent fallback', () => {
    expect(() => findVadModel({ explicit: '/nope/silero_vad.onnx', modelDir: OFFLINE_TEST_MODEL, env: {} })).toThrow(
      expect.objectContaining({ code: 'VAD_MISSING' }) as Error,
    );
  });
});
