import { z } from 'zod';

/**
 * What Speaches' `/v1/realtime` sends and takes, as its source defines it
 * (speaches-ai/speaches @ 870e1e16, src/speaches/types/realtime.py and the routers in
 * src/speaches/realtime/). Written once: the adapter reads with these schemas and the fake
 * (tests/fakes/fake-speaches.ts) builds with them.
 *
 * Only the events a transcription session meets are listed; any other type is ignored.
 */

/** `openai.types.beta.realtime.error_event.Error`: `code`, `param`, `event_id` are null unless set. */
const errorBody = z.object({
  type: z.string(),
  message: z.string(),
  code: z.string().nullable().optional(),
  param: z.string().nullable().optional(),
  event_id: z.string().nullable().optional(),
});

export const speachesServerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.created'), event_id: z.string(), session: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('session.updated'), event_id: z.string(), session: z.record(z.string(), z.unknown()) }),
  z.object({
    type: z.literal('input_audio_buffer.speech_started'),
    event_id: z.string(),
    item_id: z.string(),
    audio_start_ms: z.number(),
  }),
  z.object({
    type: z.literal('input_audio_buffer.speech_stopped'),
    event_id: z.string(),
    item_id: z.string(),
    audio_end_ms: z.number(),
  }),
  z.object({
    type: z.literal('input_audio_buffer.committed'),
    event_id: z.string(),
    item_id: z.string(),
    previous_item_id: z.string().nullable(),
  }),
  z.object({
    type: z.literal('conversation.item.created'),
    event_id: z.string(),
    previous_item_id: z.string().nullable().optional(),
    item: z.object({ id: z.string() }).passthrough(),
  }),
  z.object({
    type: z.literal('conversation.item.input_audio_transcription.completed'),
    event_id: z.string(),
    item_id: z.string(),
    content_index: z.number(),
    transcript: z.string(),
  }),
  z.object({ type: z.literal('error'), event_id: z.string(), error: errorBody }),
]);
export type SpeachesServerEvent = z.infer<typeof speachesServerEventSchema>;

export const SPEACHES_EVENT_TYPES: ReadonlySet<string> = new Set(
  speachesServerEventSchema.options.map((o) => o.shape.type.value),
);

/**
 * `input_audio_buffer.append`. Speaches decodes it as 24 kHz PCM16 whatever the session says
 * (`audio_samples_from_file(..., 24000)` in input_audio_buffer_event_router.py).
 */
export function speachesAppend(base64: string): string {
  return JSON.stringify({ type: 'input_audio_buffer.append', audio: base64 });
}

/**
 * The probe: an empty `session.update` changes nothing (`PartialSession` with every field
 * NOT_GIVEN) and is answered with `session.updated` once every earlier append was handled.
 */
export function speachesProbe(): string {
  return JSON.stringify({ type: 'session.update', session: {} });
}
