import { z } from 'zod';

/**
 * The session configuration of an OpenAI Realtime transcription session, as it travels inside
 * `session.update` / `transcription_session.update` and comes back in `session.created` /
 * `session.updated`. Sources: openai/openai-node `src/resources/realtime/realtime.ts`
 * (`RealtimeTranscriptionSessionCreateRequest`, `RealtimeAudioFormats`, `AudioTranscription`,
 * `RealtimeTranscriptionSessionAudioInputTurnDetection`) and, for the beta shape,
 * `src/resources/beta/realtime/realtime.ts` (`TranscriptionSessionUpdate`); commit 7b7d6ca7.
 * Extensions of Earshot's engine are marked; docs/engine-protocol.md describes them.
 *
 * Two kinds of schema live here: the update schemas, which read what a client may send (every
 * field optional, `null` where the protocol lets a client clear or skip a field, unknown fields
 * stripped), and the effective session the engine reports and the adapter asks for (complete).
 * The engine's own limits (rates, VAD ranges) are its business and are checked there.
 */

/** Server VAD as reported and as requested: every field given. */
export const serverVadSchema = z.object({
  type: z.literal('server_vad'),
  threshold: z.number(),
  prefix_padding_ms: z.number(),
  silence_duration_ms: z.number(),
});
export type ServerVad = z.infer<typeof serverVadSchema>;

export const noiseReductionSchema = z.object({ type: z.enum(['near_field', 'far_field']) });
export type NoiseReduction = z.infer<typeof noiseReductionSchema>;

/** GA `audio.input.format` for PCM. OpenAI takes 24 kHz only; 16 kHz is the engine's extension. */
export const pcmFormatSchema = z.object({ type: z.literal('audio/pcm'), rate: z.number() });
export type PcmFormat = z.infer<typeof pcmFormatSchema>;

/** `transcription` (GA) / `input_audio_transcription` (beta) in an update: present fields change. */
export const transcriptionUpdateSchema = z.object({
  model: z.string().optional(),
  language: z.string().nullish(),
  prompt: z.string().nullish(),
});
export type TranscriptionUpdate = z.infer<typeof transcriptionUpdateSchema>;

/** `turn_detection` in an update. A missing `type` means server VAD; missing numbers keep their value. */
export const turnDetectionUpdateSchema = z.object({
  type: z.enum(['server_vad', 'semantic_vad']).optional(),
  threshold: z.number().nullish(),
  prefix_padding_ms: z.number().nullish(),
  silence_duration_ms: z.number().nullish(),
});
export type TurnDetectionUpdate = z.infer<typeof turnDetectionUpdateSchema>;

const formatUpdateSchema = z.object({
  type: z.enum(['audio/pcm', 'audio/pcmu', 'audio/pcma']).optional(),
  rate: z.number().nullish(),
});

/** The `session` of a GA `session.update` for a transcription session. */
export const transcriptionSessionUpdateSchema = z.object({
  type: z.literal('transcription').optional(),
  audio: z
    .object({
      input: z
        .object({
          format: formatUpdateSchema.optional(),
          transcription: transcriptionUpdateSchema.nullish(),
          turn_detection: turnDetectionUpdateSchema.nullable().optional(),
          noise_reduction: noiseReductionSchema.nullable().optional(),
        })
        .optional(),
    })
    .optional(),
});
export type TranscriptionSessionUpdate = z.infer<typeof transcriptionSessionUpdateSchema>;

/** The `session` of the legacy beta `transcription_session.update`: flat fields. */
export const betaTranscriptionSessionUpdateSchema = z.object({
  input_audio_format: z.enum(['pcm16', 'g711_ulaw', 'g711_alaw']).optional(),
  input_audio_transcription: transcriptionUpdateSchema.nullish(),
  turn_detection: turnDetectionUpdateSchema.nullable().optional(),
  input_audio_noise_reduction: noiseReductionSchema.nullable().optional(),
});
export type BetaTranscriptionSessionUpdate = z.infer<typeof betaTranscriptionSessionUpdateSchema>;

/** The effective GA transcription session, as the engine reports it in `session.created`/`updated`. */
export const transcriptionSessionSchema = z.object({
  type: z.literal('transcription'),
  object: z.literal('realtime.transcription_session'),
  id: z.string(),
  audio: z.object({
    input: z.object({
      format: pcmFormatSchema,
      transcription: z.object({ model: z.string(), language: z.string(), prompt: z.string() }),
      turn_detection: serverVadSchema.nullable(),
      noise_reduction: noiseReductionSchema.nullable(),
    }),
  }),
  include: z.array(z.string()),
});
export type TranscriptionSession = z.infer<typeof transcriptionSessionSchema>;

/** The effective beta session (`transcription_session.created`/`updated` of a legacy server). */
export const betaTranscriptionSessionSchema = z.object({
  id: z.string(),
  object: z.literal('realtime.transcription_session'),
  input_audio_format: z.literal('pcm16'),
  input_audio_transcription: transcriptionUpdateSchema.nullable(),
  turn_detection: serverVadSchema.nullable(),
});
export type BetaTranscriptionSession = z.infer<typeof betaTranscriptionSessionSchema>;
