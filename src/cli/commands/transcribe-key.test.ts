import { describe, expect, it } from 'vitest';
import { cliProviderKey } from './transcribe-key.ts';

const env = { OPENAI_API_KEY: 'sk-openai', DEEPGRAM_API_KEY: 'dg-cloud', TEAM_TOKEN: 'team' };

describe('which key transcribe sends where', () => {
  it('sends no key to a team server unless one is named, and says why', () => {
    expect(cliProviderKey('vllm', { url: 'http://gpu-box:8000' }, env)).toEqual({
      url: 'ws://gpu-box:8000/v1/realtime',
      notice:
        'note: $OPENAI_API_KEY is not sent to ws://gpu-box:8000/v1/realtime; to send a key there, pass --api-key-env VAR.',
    });
    expect(cliProviderKey('speaches', { url: 'ws://h:8000/v1', 'api-key-env': 'TEAM_TOKEN' }, env)).toEqual({
      url: 'ws://h:8000/v1/realtime',
      apiKey: 'team',
    });
  });

  it('connects to a self-hosted Deepgram without the cloud key, keeping its own path', () => {
    expect(cliProviderKey('deepgram', { url: 'ws://deepgram.internal:8080' }, env)).toEqual({
      url: 'ws://deepgram.internal:8080/',
      notice:
        'note: $DEEPGRAM_API_KEY is only sent to wss://api.deepgram.com, not to ws://deepgram.internal:8080; a self-hosted Deepgram needs no key. To send one there, pass --api-key-env VAR.',
    });
    expect(cliProviderKey('deepgram', {}, env)).toEqual({ apiKey: 'dg-cloud' });
  });

  it('still refuses to send the OpenAI key anywhere but OpenAI', () => {
    expect(() => cliProviderKey('openai', { url: 'wss://proxy.example/v1' }, env)).toThrow(
      /\$OPENAI_API_KEY is only sent to wss:\/\/api\.openai\.com/,
    );
  });
});
