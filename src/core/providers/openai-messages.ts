import { num, str, type ProviderWord } from './types.ts';
import type { OpenAiStreamOptions } from './openai-stream.ts';

/** The setup message's event id: an `error` carrying it means the service refused our configuration. */
export const SETUP_EVENT_ID = 'earshot_setup';

type SetupOptions = Pick<
  OpenAiStreamOptions,
  'model' | 'language' | 'turnDetection' | 'silenceDurationMs' | 'sampleRate'
>;

/**
 * The first thing a transcription session says: the audio format, the model and language, and
 * how turns end. GA shape (`session.update` with `type: "transcription"`) or, for older
 * compatible servers, the beta shape (`transcription_session.update` with flat fields).
 */
export function sessionUpdateMessage(o: SetupOptions, shape: 'ga' | 'beta'): string {
  const transcription = {
    ...(o.model ? { model: o.model } : {}),
    ...(o.language ? { language: o.language } : {}),
  };
  const turnDetection =
    o.turnDetection === 'manual'
      ? null
      : {
          type: 'server_vad',
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: o.silenceDurationMs,
        };
  if (shape === 'beta') {
    return JSON.stringify({
      type: 'transcription_session.update',
      event_id: SETUP_EVENT_ID,
      session: {
        input_audio_format: 'pcm16',
        input_audio_transcription: transcription,
        turn_detection: turnDetection,
      },
    });
  }
  return JSON.stringify({
    type: 'session.update',
    event_id: SETUP_EVENT_ID,
    session: {
      type: 'transcription',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: o.sampleRate },
          transcription,
          turn_detection: turnDetection,
        },
      },
    },
  });
}

/** Word timings (the engine's timing extension, `words: [{text, start_ms, end_ms}]`). */
export function parseWords(value: unknown): ProviderWord[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const words: ProviderWord[] = [];
  for (const w of value as unknown[]) {
    if (typeof w !== 'object' || w === null) continue;
    const r = w as Record<string, unknown>;
    const text = str(r['text']) ?? str(r['word']);
    const startMs = num(r['start_ms']);
    const endMs = num(r['end_ms']);
    if (text !== undefined && startMs !== undefined && endMs !== undefined) words.push({ text, startMs, endMs });
  }
  return words.length > 0 ? words : undefined;
}
