import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeOpenAi } from '../fakes/fake-openai.ts';
import { synthesizeSpeech } from '../fakes/word-audio.ts';
import { within } from '../helpers/wait.ts';

/**
 * The fake OpenAI speaks as each model does (tests/fakes/openai-models.ts names the sources):
 * gpt-4o(-mini)-transcribe only after the commit, whisper-1 one whole delta, natively streaming
 * models and servers that name no model while the words are spoken. Earshot's tests lean on this.
 */
const KEY = 'sk-models';
const fakes: FakeOpenAi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

interface ServerEvent {
  readonly type: string;
  readonly delta?: string;
  readonly transcript?: string;
  readonly error?: { readonly code: string };
}

/** One utterance of three words under server VAD; the events up to its `completed` (or an error). */
async function play(
  model: string | null,
  turnDetection: object | null = { type: 'server_vad' },
): Promise<ServerEvent[]> {
  const fake = await new FakeOpenAi({ apiKey: KEY }).start();
  fakes.push(fake);
  const ws = new WebSocket(fake.url, { headers: { Authorization: `Bearer ${KEY}` } });
  const events: ServerEvent[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString('utf8')) as ServerEvent;
      events.push(event);
      if (event.type === 'session.updated') {
        const speech = synthesizeSpeech(24_000, [[1, 2, 3]]);
        ws.send(
          JSON.stringify({
            type: 'input_audio_buffer.append',
            audio: Buffer.from(speech.samples.buffer).toString('base64'),
          }),
        );
        if (turnDetection === null) ws.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
      }
      if (event.type.endsWith('.completed') || event.type === 'error') resolve();
    });
  });
  await new Promise((resolve) => ws.once('open', resolve));
  const transcription = model === null ? {} : { transcription: { model } };
  ws.send(
    JSON.stringify({
      type: 'session.update',
      session: { type: 'transcription', audio: { input: { ...transcription, turn_detection: turnDetection } } },
    }),
  );
  await within(finished, { what: 'the completed transcription', timeoutMs: 10_000 });
  ws.close();
  return events;
}

const deltasBefore = (events: ServerEvent[], type: string): string[] =>
  events
    .slice(
      0,
      events.findIndex((e) => e.type === type),
    )
    .flatMap((e) => (e.delta === undefined ? [] : [e.delta]));
const deltas = (events: ServerEvent[]): string[] => events.flatMap((e) => (e.delta === undefined ? [] : [e.delta]));

describe('fake OpenAI, per model', () => {
  it.each(['gpt-4o-transcribe', 'gpt-4o-mini-transcribe'])(
    '%s: deltas word by word, only after the commit',
    async (model) => {
      const events = await play(model);
      expect(deltasBefore(events, 'input_audio_buffer.committed')).toEqual([]);
      expect(deltas(events)).toEqual(['w1', ' w2', ' w3']);
      expect(events.at(-1)!.transcript).toBe('w1 w2 w3');
    },
  );

  it('whisper-1: one delta with the whole transcript, after the commit', async () => {
    const events = await play('whisper-1');
    expect(deltasBefore(events, 'input_audio_buffer.committed')).toEqual([]);
    expect(deltas(events)).toEqual(['w1 w2 w3']);
  });

  it('a server that names no model streams words while they are spoken', async () => {
    const events = await play(null);
    expect(deltasBefore(events, 'input_audio_buffer.speech_stopped')).toEqual(['w1', ' w2', ' w3']);
  });

  it('gpt-realtime-whisper with turn_detection null: streams while spoken, completes at the commit', async () => {
    const events = await play('gpt-realtime-whisper', null);
    expect(deltas(events).join('')).toBe('w1 w2 w3');
    expect(events.at(-1)!.transcript).toBe('w1 w2 w3');
  });

  it('gpt-realtime-whisper with server_vad: refused (the realtime-vad guide requires none)', async () => {
    const events = await play('gpt-realtime-whisper');
    expect(events.at(-1)!.error?.code).toBe('invalid_value');
  });

  it('gpt-live-transcribe with turn_detection omitted: no server VAD, the session says null', async () => {
    const fake = await new FakeOpenAi({ apiKey: KEY }).start();
    fakes.push(fake);
    const ws = new WebSocket(fake.url, { headers: { Authorization: `Bearer ${KEY}` } });
    const updated = new Promise<{ session: { audio: { input: { turn_detection: unknown } } } }>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data: Buffer) => {
        const event = JSON.parse(data.toString('utf8')) as {
          type: string;
          session: { audio: { input: { turn_detection: unknown } } };
        };
        if (event.type === 'session.updated') resolve(event);
      });
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(
      JSON.stringify({
        type: 'session.update',
        session: { type: 'transcription', audio: { input: { transcription: { model: 'gpt-live-transcribe' } } } },
      }),
    );
    const event = await within(updated, { what: 'session.updated' });
    ws.close();
    expect(event.session.audio.input.turn_detection).toBeNull();
  });
});
