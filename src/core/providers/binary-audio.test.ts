import { describe, expect, it } from 'vitest';
import { AssemblyAiAdapter } from './assemblyai.ts';
import { DeepgramAdapter } from './deepgram.ts';

/** The shared binary-audio plumbing, through both adapters: connect requests and the decode prelude. */

const frame = (message: unknown): Buffer => Buffer.from(JSON.stringify(message));

describe('connect request', () => {
  it('puts the stream configuration in the query and the key in the header, in each service’s form', () => {
    const deepgram = new DeepgramAdapter({ id: 'deepgram', apiKey: 'dg-key', language: 'de' }).connectRequest();
    const url = new URL(deepgram.url);
    expect(`${url.origin}${url.pathname}`).toBe('wss://api.deepgram.com/v1/listen');
    expect(url.searchParams.get('encoding')).toBe('linear16');
    expect(url.searchParams.get('sample_rate')).toBe('16000');
    expect(url.searchParams.get('language')).toBe('de');
    expect(deepgram.headers).toEqual({ Authorization: 'Token dg-key' });

    const assemblyAi = new AssemblyAiAdapter({ id: 'assemblyai', apiKey: 'aai-key' }).connectRequest();
    expect(new URL(assemblyAi.url).searchParams.get('speech_model')).toBe('universal-streaming-english');
    expect(assemblyAi.headers).toEqual({ Authorization: 'aai-key' });
  });

  it('gives a bare override URL the service path and lets parameters written into it win', () => {
    const request = new DeepgramAdapter({
      id: 'deepgram',
      apiKey: 'k',
      url: 'ws://127.0.0.1:9/?model=nova-2&endpointing=500',
    }).connectRequest();
    const url = new URL(request.url);
    expect(url.pathname).toBe('/v1/listen');
    expect(url.searchParams.get('model')).toBe('nova-2');
    expect(url.searchParams.get('endpointing')).toBe('500');
    expect(url.searchParams.get('interim_results')).toBe('true');
  });

  it('takes the session limit from the settings, else the service’s own', () => {
    expect(new AssemblyAiAdapter({ id: 'assemblyai', apiKey: 'k' }).maxSessionMs).toBe(3 * 60 * 60_000);
    expect(new AssemblyAiAdapter({ id: 'assemblyai', apiKey: 'k', maxSessionMs: null }).maxSessionMs).toBeNull();
    expect(new DeepgramAdapter({ id: 'deepgram', apiKey: 'k' }).maxSessionMs).toBeNull();
  });
});

describe('decode prelude', () => {
  const stream = () => new DeepgramAdapter({ id: 'deepgram', apiKey: 'k' }).createStream();

  it('ignores a message type the service schema does not know', () => {
    expect(stream().decode(frame({ type: 'FutureThing', x: 1 }), false).events).toEqual([
      { kind: 'ignored', type: 'FutureThing' },
    ]);
  });

  it('warns about a known message that does not match its documented shape, and says where', () => {
    const [event] = stream().decode(
      frame({ type: 'Results', duration: 1, channel: { alternatives: [] } }),
      false,
    ).events;
    expect(event).toMatchObject({ kind: 'warning', code: 'PROVIDER_PROTOCOL' });
    expect(event?.kind === 'warning' ? event.message : '').toMatch(/Results message .*start/);
  });

  it('warns about binary frames and malformed JSON', () => {
    expect(stream().decode(Buffer.from([1, 2]), true).events[0]).toMatchObject({ kind: 'warning' });
    expect(stream().decode(Buffer.from('{"type":"Res'), false).events[0]).toMatchObject({ kind: 'warning' });
  });

  it('opens an AssemblyAI session even when Begin carries an expiry it cannot read', () => {
    const s = new AssemblyAiAdapter({ id: 'assemblyai', apiKey: 'k' }).createStream();
    expect(s.decode(frame({ type: 'Begin', id: 'x', expires_at: null }), false).events).toEqual([{ kind: 'ready' }]);
  });

  it('settles only forward: a final that ends before an earlier one reports nothing new', () => {
    const s = stream();
    const final = (start: number, duration: number) =>
      s.decode(
        frame({ type: 'Results', start, duration, is_final: true, channel: { alternatives: [{ transcript: '' }] } }),
        false,
      ).events;
    expect(final(0, 2)).toContainEqual({ kind: 'settled', untilSample: 32_000 });
    expect(final(0, 1).filter((e) => e.kind === 'settled')).toEqual([]);
  });
});
