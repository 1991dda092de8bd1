import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DeepgramAdapter } from '../../src/core/providers/deepgram.ts';
import { FakeDeepgram } from '../fakes/fake-deepgram.ts';
import { KEY } from '../fakes/session-harness.ts';

/**
 * Deepgram answers a text message it cannot parse with a JSON `Error` (`variant: SchemaError`) and
 * keeps the stream open (fake-deepgram.ts names the sources). The adapter makes it a warning that
 * says what happened and that transcription goes on.
 */
let fake: FakeDeepgram | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

describe('Deepgram JSON Error messages', () => {
  it('an unparsable text message gets a SchemaError; the socket stays open; the adapter warns clearly', async () => {
    fake = await new FakeDeepgram({ apiKey: KEY }).start();
    const adapter = new DeepgramAdapter({ id: 'deepgram', url: fake.url, apiKey: KEY });
    const request = adapter.connectRequest();
    const ws = new WebSocket(request.url, { headers: { ...request.headers } });
    const received = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no Error message within 5 s')), 5_000);
      ws.on('message', (data: Buffer) => {
        clearTimeout(timer);
        resolve(data);
      });
      ws.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send('{"type":"Finalise"}');
    const data = await received;
    expect(JSON.parse(data.toString('utf8'))).toMatchObject({ type: 'Error', variant: 'SchemaError' });
    expect(ws.readyState).toBe(WebSocket.OPEN);

    const stream = adapter.createStream();
    const { events } = stream.decode(data, false);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'warning', code: 'PROVIDER_ERROR' });
    expect(events[0]!.kind === 'warning' && events[0]!.message).toMatch(
      /could not use a control message from Earshot \(SchemaError: .+\); transcription continues/,
    );
    ws.close();
  });
});
