import { describe, expect, it } from 'vitest';
import { SpeachesAdapter, speachesUrl } from './speaches.ts';
import { SPEACHES_END_PADDING_MS, SpeachesStream } from './speaches-stream.ts';
import type { ProviderEvent, WireMessage } from './types.ts';

const RATE = 24_000;
let n = 0;
const ev = (o: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify({ event_id: `event_${++n}`, ...o }));
const samples = (ms: number): Int16Array => new Int16Array((ms * RATE) / 1000);

function decode(
  s: SpeachesStream,
  o: Record<string, unknown>,
): { send: readonly WireMessage[]; events: readonly ProviderEvent[] } {
  return s.decode(ev(o), false);
}
const types = (send: readonly WireMessage[]): string[] =>
  send.map((m) => (JSON.parse(String(m)) as { type: string }).type);

describe('Speaches URL and set-up', () => {
  it('puts the model, the transcription intent and the language in the query', () => {
    const url = new URL(speachesUrl('http://gpu:8000/v1/', 'Systran/faster-whisper-small', 'de'));
    expect(url.protocol).toBe('ws:');
    expect(url.pathname).toBe('/v1/realtime');
    expect(url.searchParams.get('model')).toBe('Systran/faster-whisper-small');
    expect(url.searchParams.get('intent')).toBe('transcription');
    expect(url.searchParams.get('language')).toBe('de');
  });

  it('refuses to start without a model, and reads a 403 as a missing model or key', () => {
    expect(() => new SpeachesAdapter({ id: 'speaches', url: 'ws://gpu:8000' })).toThrow(/--model/);
    const adapter = new SpeachesAdapter({ id: 'speaches', url: 'ws://gpu:8000', model: 'm' });
    expect(adapter.sampleRate).toBe(24_000);
    const verdict = adapter.classifyHandshake(403, '');
    expect(verdict.retry).toBe(false);
    expect(verdict.message).toMatch(/model is missing .* or the API key/);
  });

  it('sends no session.update (GA fields are ignored there) and is ready at session.created', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    expect(s.onOpen().send).toEqual([]);
    expect(decode(s, { type: 'session.created', session: {} }).events).toEqual([{ kind: 'ready' }]);
  });
});

describe('Speaches item times', () => {
  it('maps every item-relative VAD time to the connection and never commits', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    s.encodeAudio(samples(5_000));
    decode(s, { type: 'input_audio_buffer.speech_started', item_id: 'a', audio_start_ms: 400 });
    expect(s.inTurn()).toBe(true);
    expect(s.flush()).toEqual([]);
    decode(s, { type: 'input_audio_buffer.speech_stopped', item_id: 'a', audio_end_ms: 3_200 });
    decode(s, { type: 'input_audio_buffer.committed', item_id: 'a', previous_item_id: null });
    const first = decode(s, {
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: 'a',
      content_index: 0,
      transcript: ' one ',
    });
    expect(first.events[0]).toMatchObject({
      kind: 'transcript',
      key: 'a',
      text: 'one',
      isFinal: true,
      startMs: 400,
      endMs: 3_200,
    });
    // The second item's buffer starts where the first one's stopped: its times restart at 0 there.
    s.encodeAudio(samples(4_000));
    decode(s, { type: 'input_audio_buffer.speech_started', item_id: 'b', audio_start_ms: 1_000 });
    decode(s, { type: 'input_audio_buffer.speech_stopped', item_id: 'b', audio_end_ms: 3_500 });
    const second = decode(s, {
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: 'b',
      content_index: 0,
      transcript: 'two',
    });
    expect(second.events[0]).toMatchObject({ startMs: 4_200, endMs: 6_700 });
    expect(second.events).toContainEqual({ kind: 'settled', untilSample: (6_700 * RATE) / 1000 });
  });

  it('settles only before a waiting item, less a lead-in for its replay', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    s.encodeAudio(samples(3_000));
    const started = decode(s, { type: 'input_audio_buffer.speech_started', item_id: 'a', audio_start_ms: 2_000 });
    expect(started.events).toEqual([{ kind: 'settled', untilSample: (1_500 * RATE) / 1000 }]);
  });

  it('settles long silence through a probe, never through a commit', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    s.encodeAudio(samples(40_000));
    const probe = s.maybeCommit((30_000 * RATE) / 1000);
    expect(types(probe ?? [])).toEqual(['session.update']);
    expect(s.maybeCommit(0)).toBeNull(); // one probe at a time
    const answer = decode(s, { type: 'session.updated', session: {} });
    expect(answer.events).toEqual([{ kind: 'settled', untilSample: (37_000 * RATE) / 1000 }]);
  });
});

describe('Speaches end of stream', () => {
  it('pads with silence until the server VAD closes the item, then ends once its transcript is in', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    s.encodeAudio(samples(1_000));
    decode(s, { type: 'input_audio_buffer.speech_started', item_id: 'a', audio_start_ms: 200 });
    const end = s.end();
    expect(types(end).filter((t) => t === 'input_audio_buffer.commit')).toEqual([]);
    expect(types(end).at(-1)).toBe('session.update');
    const appended = end
      .slice(0, -1)
      .reduce(
        (sum, m) => sum + Buffer.from((JSON.parse(String(m)) as { audio: string }).audio, 'base64').length / 2,
        0,
      );
    expect(appended).toBe((SPEACHES_END_PADDING_MS * RATE) / 1000);
    decode(s, { type: 'input_audio_buffer.speech_stopped', item_id: 'a', audio_end_ms: 3_100 });
    expect(decode(s, { type: 'session.updated', session: {} }).events).not.toContainEqual({ kind: 'ended' });
    const done = decode(s, {
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: 'a',
      content_index: 0,
      transcript: 'last words',
    });
    expect(done.events).toContainEqual({ kind: 'ended' });
  });

  it('appends more silence when the VAD still hears speech after the padding', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    s.encodeAudio(samples(1_000));
    decode(s, { type: 'input_audio_buffer.speech_started', item_id: 'a', audio_start_ms: 0 });
    s.end();
    const more = decode(s, { type: 'session.updated', session: {} });
    expect(types(more.send).at(-1)).toBe('session.update');
    expect(more.events).not.toContainEqual({ kind: 'ended' });
  });

  it('ends at once when nothing is in flight', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    s.encodeAudio(samples(500));
    s.end();
    expect(decode(s, { type: 'session.updated', session: {} }).events).toContainEqual({ kind: 'ended' });
  });
});

describe('Speaches errors', () => {
  it('a failed transcription (an error naming no item) ends the oldest waiting item empty', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    s.encodeAudio(samples(4_000));
    decode(s, { type: 'input_audio_buffer.speech_started', item_id: 'a', audio_start_ms: 0 });
    decode(s, { type: 'input_audio_buffer.speech_stopped', item_id: 'a', audio_end_ms: 3_100 });
    decode(s, { type: 'input_audio_buffer.committed', item_id: 'a', previous_item_id: null });
    const out = decode(s, { type: 'error', error: { type: 'server_error', message: 'boom', code: null } });
    expect(out.events[0]).toEqual({ kind: 'transcript', key: 'a', text: '', isFinal: true });
    expect(out.events[1]).toMatchObject({ kind: 'warning', code: 'PROVIDER_ERROR' });
  });

  it('a too-short commit error (code null) is only a warning', () => {
    const s = new SpeachesStream({ label: 'Speaches', sampleRate: RATE });
    const out = decode(s, {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 40.00ms of audio.',
        code: null,
      },
    });
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({ kind: 'warning' });
  });
});
