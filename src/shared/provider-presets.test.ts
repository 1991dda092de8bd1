import { describe, expect, it } from 'vitest';
import { isServerProvider, modelProblem, PROVIDER_PRESETS } from './provider-presets.ts';
import { providerIds } from './session.ts';
import { defaultSettings, serverModel, serverUrl, settingsPatchSchema, settingsSchema } from './settings.ts';

describe('provider presets', () => {
  it('covers every provider, the self-hosted servers with an example address', () => {
    for (const id of providerIds) {
      expect(PROVIDER_PRESETS[id].name).not.toBe('');
      expect(PROVIDER_PRESETS[id].exampleUrl !== null).toBe(isServerProvider(id));
    }
  });

  it('asks vLLM and Speaches for the model they serve, naming an example', () => {
    expect(modelProblem('speaches', '')).toBe(
      'Speaches needs the name of the model it serves (for example Systran/faster-distil-whisper-small.en)',
    );
    expect(modelProblem('vllm', '  ')).toMatch(/^vLLM needs the name of the model it serves/);
    expect(modelProblem('vllm', 'mistralai/Voxtral-Mini-4B-Realtime-2602')).toBeNull();
    expect(modelProblem('openai-compatible', '')).toBeNull();
    expect(modelProblem('riva', undefined)).toBeNull();
  });

  it('has settings for each server, refusing an empty model where one is needed', () => {
    const settings = defaultSettings();
    expect(serverUrl(settings, 'vllm')).toBe('');
    expect(serverModel(settings, 'vllm')).toBe('mistralai/Voxtral-Mini-4B-Realtime-2602');
    const empty = settingsPatchSchema.safeParse({ speachesModel: ' ' });
    expect(empty.success).toBe(false);
    expect(empty.error?.issues[0]?.message).toMatch(
      /^Speaches needs the name of the model it serves .*: enter it in Settings$/,
    );
    expect(settingsPatchSchema.safeParse({ rivaModel: '' }).success).toBe(true);
    expect(settingsSchema.safeParse({ vllmUrl: 'ftp://gpu-box' }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ compatibleSampleRate: 44_100 }).success).toBe(false);
  });
});
