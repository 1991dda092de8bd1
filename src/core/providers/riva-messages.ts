import { z } from 'zod';

/**
 * NVIDIA Riva ASR NIM realtime (`ws://host:9000/v1/realtime?intent=transcription`), as NVIDIA
 * documents and its own client speaks it:
 * - https://docs.nvidia.com/nim/riva/asr/latest/realtime-asr.html (the session object and its
 *   defaults: pcm16, `input_audio_params.sample_rate_hz` 16000, `recognition_config`, port 9000);
 * - nvidia-riva/python-clients @ 7f611ba6 (2026-05-06), riva/client/realtime.py and
 *   riva/client/argparse_utils.py (endpoint `/v1/realtime`, query `intent=transcription`; first
 *   event `conversation.created`; `transcription_session.update` answered by
 *   `transcription_session.updated`; each chunk is `input_audio_buffer.append` followed by
 *   `input_audio_buffer.commit`; `input_audio_buffer.done` ends the stream; results are
 *   `…transcription.delta` and `…transcription.completed` with `is_last_result` and
 *   `words_info.words[{word,start_time,end_time,confidence,speaker_tag}]`; any event whose type
 *   contains "error" carries `error.message`).
 * Written once: the adapter reads with these schemas and tests/fakes/fake-riva.ts builds with them.
 */

const word = z.object({
  word: z.string(),
  start_time: z.number(),
  end_time: z.number(),
  confidence: z.number().optional(),
  speaker_tag: z.number().optional(),
});

export const rivaServerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('conversation.created') }).passthrough(),
  z
    .object({ type: z.literal('transcription_session.updated'), session: z.record(z.string(), z.unknown()) })
    .passthrough(),
  z.object({ type: z.literal('conversation.item.input_audio_transcription.delta'), delta: z.string() }).passthrough(),
  z
    .object({
      type: z.literal('conversation.item.input_audio_transcription.completed'),
      transcript: z.string(),
      is_last_result: z.boolean().optional(),
      words_info: z
        .object({ words: z.array(word).optional() })
        .passthrough()
        .optional(),
    })
    .passthrough(),
  z
    .object({
      type: z.literal('error'),
      error: z.object({ message: z.string(), code: z.string().nullable().optional() }).passthrough(),
    })
    .passthrough(),
]);
export type RivaServerEvent = z.infer<typeof rivaServerEventSchema>;
export type RivaWord = z.infer<typeof word>;

export const RIVA_EVENT_TYPES: ReadonlySet<string> = new Set(
  rivaServerEventSchema.options.map((o) => o.shape.type.value),
);

export interface RivaSessionOptions {
  readonly sampleRate: number;
  readonly language: string;
  readonly model?: string | undefined;
}

/**
 * The session Earshot asks for: NVIDIA's documented default object with Earshot's overrides
 * (its client, too, sends the whole object back with its changes). Word times are switched on
 * because they are the only way to know which audio a final covers.
 */
export function rivaSessionUpdate(o: RivaSessionOptions): string {
  return JSON.stringify({
    type: 'transcription_session.update',
    session: {
      modalities: ['text'],
      input_audio_format: 'pcm16',
      input_audio_transcription: { language: o.language, model: o.model ?? 'conformer', prompt: '' },
      input_audio_params: { sample_rate_hz: o.sampleRate, num_channels: 1 },
      recognition_config: {
        max_alternatives: 1,
        enable_automatic_punctuation: true,
        enable_word_time_offsets: true,
        enable_profanity_filter: false,
        enable_verbatim_transcripts: false,
      },
    },
  });
}

export function rivaAppend(base64: string): string[] {
  return [
    JSON.stringify({ type: 'input_audio_buffer.append', audio: base64 }),
    JSON.stringify({ type: 'input_audio_buffer.commit' }),
  ];
}

export const RIVA_DONE = JSON.stringify({ type: 'input_audio_buffer.done' });
