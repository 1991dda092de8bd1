import { describe, expect, it } from 'vitest';
import { checkProviderOptions } from './transcribe-provider.ts';

function refusal(values: Parameters<typeof checkProviderOptions>[0]): string {
  try {
    checkProviderOptions(values);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('transcribe --provider options', () => {
  it('accepts each server with its address, and the model where one is needed', () => {
    expect(checkProviderOptions({})).toEqual({ id: 'local', options: {} });
    expect(
      checkProviderOptions({
        provider: 'vllm',
        url: 'http://gpu-box:8000',
        model: 'mistralai/Voxtral-Mini-4B-Realtime-2602',
      }),
    ).toEqual({ id: 'vllm', options: {} });
    expect(checkProviderOptions({ provider: 'riva', url: 'ws://gpu-box:9000' }).id).toBe('riva');
  });

  it('refuses a bad address, with the schemes that work', () => {
    expect(refusal({ provider: 'openai-compatible', url: 'ftp://x' })).toMatch(
      /^--url: The address must start with wss:\/\/, ws:\/\/, https:\/\/ or http:\/\/, not ftp:\/\//,
    );
    expect(refusal({ provider: 'deepgram', url: 'ws+unix:///run/dg.sock' })).toMatch(/not ws\+unix:/);
  });

  it('refuses vLLM and Speaches without a model, and a server without an address', () => {
    expect(refusal({ provider: 'vllm', url: 'ws://h:8000' })).toBe(
      '--provider vllm needs --model: vLLM needs the name of the model it serves (for example mistralai/Voxtral-Mini-4B-Realtime-2602). Pass --model mistralai/Voxtral-Mini-4B-Realtime-2602, or the name the server loaded.',
    );
    expect(refusal({ provider: 'speaches', url: 'ws://h:8000', model: ' ' })).toMatch(
      /^--provider speaches needs --model/,
    );
    expect(refusal({ provider: 'speaches', model: 'm' })).toMatch(/^--provider speaches needs --url/);
  });

  it('takes the OpenAI-compatible server’s own options, and only for it', () => {
    expect(
      checkProviderOptions({
        provider: 'openai-compatible',
        url: 'ws://h/v1/realtime',
        'turn-detection': 'manual',
        'sample-rate': '16000',
        'session-minutes': '0',
      }).options,
    ).toEqual({ turnDetection: 'manual', sampleRate: 16_000, maxSessionMs: null });
    expect(refusal({ provider: 'openai-compatible', url: 'ws://h', 'sample-rate': '44100' })).toMatch(
      /^--sample-rate must be 16000 or 24000/,
    );
    expect(refusal({ provider: 'openai-compatible', url: 'ws://h', 'turn-detection': 'semantic' })).toMatch(
      /^--turn-detection must be server_vad .* or manual/,
    );
    expect(refusal({ provider: 'vllm', url: 'ws://h', model: 'm', 'turn-detection': 'manual' })).toBe(
      '--turn-detection applies to --provider openai-compatible only: the vLLM dialect already knows what its server needs.',
    );
  });
});
