import { betaSessionUpdate, sessionUpdate } from '../../shared/realtime/client-events.ts';
import type { ServerVad } from '../../shared/realtime/session.ts';
import type { ProviderWord } from './types.ts';

/** The setup message's event id: an `error` carrying it means the service refused our configuration. */
export const SETUP_EVENT_ID = 'earshot_setup';

/** What the first message of a transcription session says. */
export interface SessionSetup {
  readonly sampleRate: number;
  readonly model: string | undefined;
  readonly language: string | undefined;
  readonly turnDetection: 'server_vad' | 'manual';
  readonly silenceDurationMs: number;
}

/**
 * The first thing a transcription session says: the audio format, the model and language, and
 * how turns end. GA shape (`session.update` with `type: "transcription"`) or, for older
 * compatible servers, the beta shape (`transcription_session.update` with flat fields).
 */
export function sessionUpdateMessage(o: SessionSetup, shape: 'ga' | 'beta'): string {
  const transcription = {
    ...(o.model ? { model: o.model } : {}),
    ...(o.language ? { language: o.language } : {}),
  };
  const turnDetection: ServerVad | null =
    o.turnDetection === 'manual'
      ? null
      : { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: o.silenceDurationMs };
  const message =
    shape === 'beta'
      ? betaSessionUpdate(
          { input_audio_format: 'pcm16', input_audio_transcription: transcription, turn_detection: turnDetection },
          SETUP_EVENT_ID,
        )
      : sessionUpdate(
          {
            type: 'transcription',
            audio: {
              input: {
                format: { type: 'audio/pcm', rate: o.sampleRate },
                transcription,
                turn_detection: turnDetection,
              },
            },
          },
          SETUP_EVENT_ID,
        );
  return JSON.stringify(message);
}

/**
 * Word timings (the engine's timing extension, `words: [{text, start_ms, end_ms}]`). The schema
 * turned each malformed word into null; the good ones are kept.
 */
export function providerWords(
  words: readonly ({ text: string; start_ms: number; end_ms: number } | null)[] | undefined,
): ProviderWord[] | undefined {
  const kept = (words ?? []).flatMap((w) => (w ? [{ text: w.text, startMs: w.start_ms, endMs: w.end_ms }] : []));
  return kept.length > 0 ? kept : undefined;
}
