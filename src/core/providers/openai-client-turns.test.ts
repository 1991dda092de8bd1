import { describe, expect, it } from 'vitest';
import { insideSpeech, spokenProgram } from '../../../tests/fakes/spoken-program.ts';
import { requireSharedModels, VAD_MODEL } from '../../../tests/helpers/paths.ts';
import { createProvider } from './index.ts';

requireSharedModels();

interface Sent {
  readonly type: string;
  readonly audio?: string;
  readonly session?: { audio?: { input?: { turn_detection?: unknown } } };
}

describe('OpenAI no-VAD models (client-side turns)', () => {
  it('set turn_detection null and commit once per utterance, in its pause, never for silence', () => {
    const provider = createProvider({
      id: 'openai',
      apiKey: 'sk-test',
      model: 'gpt-live-transcribe',
      vadModelPath: VAD_MODEL,
    });
    expect(provider.sampleRate).toBe(24_000);
    const stream = provider.createStream();
    const setup = JSON.parse(stream.onOpen().send[0] as string) as Sent;
    expect(setup.session?.audio?.input?.turn_detection).toBeNull();

    const program = spokenProgram(24_000, 3);
    const commits: number[] = [];
    let sent = 0;
    const read = (messages: readonly (string | Buffer)[]): void => {
      for (const m of messages) {
        const event = JSON.parse(m as string) as Sent;
        if (event.type === 'input_audio_buffer.append') sent += Buffer.from(event.audio!, 'base64').length / 2;
        if (event.type === 'input_audio_buffer.commit') commits.push(sent);
      }
    };
    for (let i = 0; i < program.samples.length; i += 480)
      read(stream.encodeAudio(program.samples.subarray(i, i + 480)));
    const tail = stream.end().map((m) => (JSON.parse(m as string) as Sent).type);
    expect(sent).toBe(program.samples.length);
    expect(commits).toHaveLength(3);
    commits.forEach((at, i) => {
      expect(insideSpeech(program, at)).toBe(false);
      expect(at).toBeGreaterThan(program.utterances[i]!.endSample);
    });
    // The silent tail is dropped, not committed (committed silence makes Whisper-class models invent text).
    expect(tail).toEqual(['input_audio_buffer.clear']);
  });

  it('refuses to start without the VAD model, saying how to give it', () => {
    expect(() => createProvider({ id: 'openai', apiKey: 'sk', model: 'gpt-realtime-whisper' })).toThrow(/--vad-model/);
  });
});
