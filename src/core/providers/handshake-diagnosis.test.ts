import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../../shared/session.ts';
import { DeepgramAdapter } from './deepgram.ts';
import { diagnoseHandshake } from './handshake-diagnosis.ts';
import { OpenAiRealtimeAdapter } from './openai-realtime.ts';
import { type ProviderAdapter } from './types.ts';
import { classifyHttpStatus } from './close-verdicts.ts';

/** An adapter that connects to `url` with `headers`; the diagnosis reads nothing else of it. */
function adapterAt(id: ProviderId, url: string, headers: Record<string, string> = {}): ProviderAdapter {
  const label = `The ${id} server`;
  return {
    id,
    label,
    sampleRate: 16_000,
    maxSessionMs: null,
    replayPacing: null,
    connectRequest: () => ({ url, headers }),
    createStream: () => {
      throw new Error('the diagnosis never opens a stream');
    },
    classifyHandshake: (status, detail) => classifyHttpStatus(label, status, detail),
  };
}

describe('a refused handshake that no key explains', () => {
  it('calls a 404 a wrong path, points at /v1/realtime, and does not retry', () => {
    const adapter = new OpenAiRealtimeAdapter({ id: 'openai-compatible', url: 'ws://gpu-box:8000/api/listen' });
    expect(diagnoseHandshake(adapter, 404, '')).toEqual({
      retry: false,
      code: 'PROVIDER_PATH_NOT_FOUND',
      message:
        'The OpenAI-compatible server has no realtime endpoint at /api/listen (HTTP 404). Check the path of the URL. OpenAI-compatible servers (vLLM, Speaches, Riva) listen on /v1/realtime, e.g. ws://gpu-box:8000/v1/realtime.',
    });
  });

  it('calls a 404 from Deepgram a wrong path too, without the realtime hint', () => {
    const adapter = new DeepgramAdapter({ id: 'deepgram', apiKey: 'dg', url: 'wss://dg.internal/v2/listen' });
    const verdict = diagnoseHandshake(adapter, 404, 'Not Found');
    expect(verdict.code).toBe('PROVIDER_PATH_NOT_FOUND');
    expect(verdict.message).toBe(
      'Deepgram has no realtime endpoint at /v2/listen (HTTP 404: Not Found). Check the path of the URL.',
    );
  });

  it('reads a 403 from Speaches without ?model= as the missing model, with or without a key', () => {
    for (const headers of [{}, { Authorization: 'Bearer k' }] as Record<string, string>[]) {
      const verdict = diagnoseHandshake(adapterAt('speaches', 'ws://gpu-box:8000/v1/realtime', headers), 403, '');
      expect(verdict).toMatchObject({ retry: false, code: 'PROVIDER_MODEL_MISSING' });
      expect(verdict.message).toMatch(/HTTP 403\) and the address names no model\. .*\?model=NAME/);
    }
  });

  it('reads a 403 on another path of a FastAPI server as the path, not the key', () => {
    const verdict = diagnoseHandshake(adapterAt('vllm', 'ws://gpu-box:8000/v1'), 403, '');
    expect(verdict).toMatchObject({ retry: false, code: 'PROVIDER_PATH_NOT_FOUND' });
  });

  it('reads a keyless 403 from an OpenAI-compatible server without a model as the model', () => {
    const adapter = new OpenAiRealtimeAdapter({ id: 'openai-compatible', url: 'ws://gpu-box:8000/v1/realtime' });
    expect(diagnoseHandshake(adapter, 403, '').code).toBe('PROVIDER_MODEL_MISSING');
  });

  it('leaves a 403 to the key when a key went out, or the model is named, or the service is OpenAI', () => {
    const keyed = new OpenAiRealtimeAdapter({ id: 'openai-compatible', url: 'ws://h/v1/realtime', apiKey: 'k' });
    expect(diagnoseHandshake(keyed, 403, '').code).toBe('PROVIDER_AUTH_FAILED');
    const named = adapterAt('speaches', 'ws://h:8000/v1/realtime?model=Systran/faster-whisper-small');
    expect(diagnoseHandshake(named, 403, '').code).toBe('PROVIDER_AUTH_FAILED');
    const openai = new OpenAiRealtimeAdapter({ id: 'openai', apiKey: 'sk' });
    expect(diagnoseHandshake(openai, 403, '').code).toBe('PROVIDER_AUTH_FAILED');
    expect(diagnoseHandshake(openai, 401, '').code).toBe('PROVIDER_AUTH_FAILED');
    expect(diagnoseHandshake(openai, 503, '')).toMatchObject({ retry: true, code: 'PROVIDER_UNREACHABLE' });
  });
});
