import { z } from 'zod';

/**
 * Server → client events of the OpenAI Realtime transcription protocol: what OpenAI, compatible
 * servers and Earshot's engine send on a transcription session. Sources: openai/openai-node
 * `src/resources/realtime/realtime.ts` (commit 7b7d6ca7: `SessionCreatedEvent`,
 * `InputAudioBufferSpeechStartedEvent` …, `ConversationItemInputAudioTranscription{Delta,
 * Completed,Failed}Event`, `RealtimeErrorEvent`), the beta `transcription_session.*` events in
 * `src/resources/beta/realtime/realtime.ts`, and docs/engine-protocol.md for the engine's
 * timing extension on `completed`.
 *
 * Read tolerantly: fields that no reader needs (`event_id`, `content_index`, `usage`,
 * `previous_item_id` …) never fail an event, because a compatible server that leaves one out or
 * shapes it differently must not cost a transcript. Fields a reader acts on are checked.
 */

/** A field no reader acts on: a missing or odd value is dropped instead of failing the event. */
const tolerant = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const eventId = tolerant(z.string());

/** The session objects come in two shapes (GA, beta) with many fields; readers only need the event. */
const sessionEvent = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), event_id: eventId, session: tolerant(z.looseObject({})) });

export const sessionCreatedSchema = sessionEvent('session.created');
export const sessionUpdatedSchema = sessionEvent('session.updated');
export const betaSessionCreatedSchema = sessionEvent('transcription_session.created');
export const betaSessionUpdatedSchema = sessionEvent('transcription_session.updated');

/** `audio_start_ms` includes the session's prefix padding. */
export const speechStartedSchema = z.object({
  type: z.literal('input_audio_buffer.speech_started'),
  event_id: eventId,
  item_id: z.string(),
  audio_start_ms: z.number(),
});

export const speechStoppedSchema = z.object({
  type: z.literal('input_audio_buffer.speech_stopped'),
  event_id: eventId,
  item_id: z.string(),
  audio_end_ms: z.number(),
});

export const committedSchema = z.object({
  type: z.literal('input_audio_buffer.committed'),
  event_id: eventId,
  item_id: z.string(),
  previous_item_id: tolerant(z.string().nullable()),
});

export const clearedSchema = z.object({ type: z.literal('input_audio_buffer.cleared'), event_id: eventId });

/** Append-only text for an item. `delta` is optional in OpenAI's own types. */
export const transcriptionDeltaSchema = z.object({
  type: z.literal('conversation.item.input_audio_transcription.delta'),
  event_id: eventId,
  item_id: z.string(),
  content_index: tolerant(z.number()),
  delta: z.string().optional(),
});

export const usageSchema = z.union([
  z.object({ type: z.literal('duration'), seconds: z.number() }),
  z.object({
    type: z.literal('tokens'),
    input_tokens: z.number(),
    output_tokens: z.number(),
    total_tokens: z.number(),
  }),
]);

/** Extension: one word of a final, in audio ms since the session began. */
export const timedWordSchema = z.object({ text: z.string(), start_ms: z.number(), end_ms: z.number() });
export type TimedWord = z.infer<typeof timedWordSchema>;

/**
 * The item's final text. `start_ms`, `end_ms` and `words` are the engine's timing extension; a
 * malformed word is dropped on its own (null), never the transcript.
 */
export const transcriptionCompletedSchema = z.object({
  type: z.literal('conversation.item.input_audio_transcription.completed'),
  event_id: eventId,
  item_id: z.string(),
  content_index: tolerant(z.number()),
  transcript: z.string(),
  usage: tolerant(usageSchema),
  start_ms: tolerant(z.number()),
  end_ms: tolerant(z.number()),
  words: tolerant(z.array(timedWordSchema.nullable().catch(null)).readonly()),
});

/** Every field of a failed item's error is optional in OpenAI's own types. */
export const transcriptionFailedSchema = z.object({
  type: z.literal('conversation.item.input_audio_transcription.failed'),
  event_id: eventId,
  item_id: z.string(),
  content_index: tolerant(z.number()),
  error: tolerant(
    z.object({
      type: z.string().nullish(),
      code: z.string().nullish(),
      message: z.string().nullish(),
      param: z.string().nullish(),
    }),
  ),
});

/** `error.event_id` echoes the client event that caused the error, when there was one. */
export const realtimeErrorSchema = z.object({
  type: z.string(),
  code: z.string().nullish(),
  message: z.string(),
  param: z.string().nullish(),
  event_id: z.string().nullish(),
});
export type RealtimeError = z.infer<typeof realtimeErrorSchema>;

export const errorEventSchema = z.object({ type: z.literal('error'), event_id: eventId, error: realtimeErrorSchema });

export const serverEventSchema = z.discriminatedUnion('type', [
  sessionCreatedSchema,
  sessionUpdatedSchema,
  betaSessionCreatedSchema,
  betaSessionUpdatedSchema,
  speechStartedSchema,
  speechStoppedSchema,
  committedSchema,
  clearedSchema,
  transcriptionDeltaSchema,
  transcriptionCompletedSchema,
  transcriptionFailedSchema,
  errorEventSchema,
]);
/** An event as a reader gets it from `serverEventSchema`. */
export type ServerEvent = z.infer<typeof serverEventSchema>;
export type ServerEventType = ServerEvent['type'];
/** An event as a server builds it (before the tolerant reading). */
export type ServerEventInput = z.input<typeof serverEventSchema>;

const SERVER_EVENT_TYPES: ReadonlySet<string> = new Set(serverEventSchema.options.map((o) => o.shape.type.value));

/** True for the event types above; any other type is one a reader may ignore. */
export function isServerEventType(type: string): type is ServerEventType {
  return SERVER_EVENT_TYPES.has(type);
}

/** Builds a server event of one type, typed by the schema above. */
export function serverEvent<T extends ServerEventType>(
  type: T,
  eventId: string,
  fields: Omit<Extract<ServerEventInput, { type: T }>, 'type' | 'event_id'>,
): Extract<ServerEventInput, { type: T }> {
  // TypeScript cannot see that a member's fields plus its own type literal rebuild that member.
  return { type, event_id: eventId, ...fields } as Extract<ServerEventInput, { type: T }>;
}
