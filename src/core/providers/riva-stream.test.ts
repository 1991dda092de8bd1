import { describe, expect, it } from 'vitest';
import { rivaUrl } from './riva.ts';
import { RivaStream } from './riva-stream.ts';

const stream = (): RivaStream => new RivaStream({ label: 'Riva', sampleRate: 16_000, language: 'en-US' });
const msg = (o: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(o));

describe('Riva realtime set-up', () => {
  it('connects to /v1/realtime with the transcription intent', () => {
    const url = new URL(rivaUrl('http://asr:9000'));
    expect(url.toString()).toBe('ws://asr:9000/v1/realtime?intent=transcription');
  });

  it('answers conversation.created (its first event) with its session, and is ready at transcription_session.updated', () => {
    const s = stream();
    expect(s.onOpen().send).toEqual([]);
    const created = s.decode(msg({ type: 'conversation.created', conversation: { id: 'c' } }), false);
    const update = JSON.parse(String(created.send[0])) as {
      type: string;
      session: {
        input_audio_params: { sample_rate_hz: number };
        recognition_config: { enable_word_time_offsets: boolean };
      };
    };
    expect(update.type).toBe('transcription_session.update');
    expect(update.session.input_audio_params.sample_rate_hz).toBe(16_000);
    expect(update.session.recognition_config.enable_word_time_offsets).toBe(true);
    expect(created.events).toEqual([]);
    expect(s.decode(msg({ type: 'transcription_session.updated', session: {} }), false).events).toEqual([
      { kind: 'ready' },
    ]);
  });

  it('an error before the session is set up is fatal; after it, a warning', () => {
    const early = stream().decode(msg({ type: 'error', error: { message: 'unknown model' } }), false);
    expect(early.events[0]).toMatchObject({ kind: 'fatal', code: 'PROVIDER_ERROR' });
    const s = stream();
    s.decode(msg({ type: 'transcription_session.updated', session: {} }), false);
    // NVIDIA's client treats any type containing "error" as one.
    const later = s.decode(
      msg({ type: 'conversation.item.input_audio_transcription.error', error: { message: 'x' } }),
      false,
    );
    expect(later.events[0]).toMatchObject({ kind: 'warning' });
  });
});

describe('Riva results', () => {
  it('every chunk is appended and committed; done ends the stream', () => {
    const s = stream();
    const sent = s.encodeAudio(new Int16Array(320)).map((m) => (JSON.parse(String(m)) as { type: string }).type);
    expect(sent).toEqual(['input_audio_buffer.append', 'input_audio_buffer.commit']);
    expect(JSON.parse(String(s.end()[0]))).toEqual({ type: 'input_audio_buffer.done' });
  });

  it('partials replace each other; a final carries word times and settles up to its last word', () => {
    const s = stream();
    expect(
      s.decode(msg({ type: 'conversation.item.input_audio_transcription.delta', delta: 'hello' }), false).events,
    ).toEqual([{ kind: 'transcript', key: 'riva-0', text: 'hello', isFinal: false }]);
    expect(s.inTurn()).toBe(true);
    const words = [
      { word: 'hello', start_time: 400, end_time: 560, confidence: 0.9, speaker_tag: 0 },
      { word: 'world', start_time: 620, end_time: 780, confidence: 0.9, speaker_tag: 0 },
    ];
    const done = s.decode(
      msg({
        type: 'conversation.item.input_audio_transcription.completed',
        transcript: 'hello world',
        is_last_result: false,
        words_info: { words },
      }),
      false,
    );
    expect(done.events[0]).toMatchObject({
      key: 'riva-0',
      text: 'hello world',
      isFinal: true,
      startMs: 400,
      endMs: 780,
    });
    expect(done.events[1]).toEqual({ kind: 'settled', untilSample: 780 * 16 });
    expect(s.inTurn()).toBe(false);
    const last = s.decode(
      msg({ type: 'conversation.item.input_audio_transcription.completed', transcript: '', is_last_result: true }),
      false,
    );
    expect(last.events).toEqual([{ kind: 'ended' }]);
  });
});
