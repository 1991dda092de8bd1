import { describe, expect, it } from 'vitest';
import { createProvider, type ProviderConfig } from './index.ts';

/** The turn detection each OpenAI-style provider asks for in its first message. */
function turnDetection(config: ProviderConfig): unknown {
  const stream = createProvider(config).createStream();
  for (const message of stream.onOpen().send) {
    if (typeof message !== 'string') continue;
    const parsed = JSON.parse(message) as {
      type?: string;
      session?: { audio?: { input?: { turn_detection?: unknown } } };
    };
    if (parsed.type === 'session.update') return parsed.session?.audio?.input?.turn_detection;
  }
  throw new Error('no session.update sent on open');
}

describe('OpenAI-style turn detection', () => {
  it('ends a turn after 300 ms of silence on the local engine, for finals sooner after speech', () => {
    expect(turnDetection({ id: 'local', url: 'ws://127.0.0.1:9/v1/realtime', apiKey: 't' })).toMatchObject({
      type: 'server_vad',
      silence_duration_ms: 300,
    });
  });

  it("keeps OpenAI's documented 500 ms default for OpenAI itself", () => {
    expect(turnDetection({ id: 'openai', apiKey: 'sk-test' })).toMatchObject({ silence_duration_ms: 500 });
  });

  it('takes an explicit setting, and none at all in manual mode', () => {
    expect(turnDetection({ id: 'openai', apiKey: 'k', silenceDurationMs: 800 })).toMatchObject({
      silence_duration_ms: 800,
    });
    expect(turnDetection({ id: 'openai', apiKey: 'k', turnDetection: 'manual' })).toBeNull();
  });
});
