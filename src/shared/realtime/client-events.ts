import { z } from 'zod';
import {
  betaTranscriptionSessionUpdateSchema,
  transcriptionSessionUpdateSchema,
  type BetaTranscriptionSessionUpdate,
  type TranscriptionSessionUpdate,
} from './session.ts';

/**
 * Client → server events of the OpenAI Realtime transcription protocol: the subset Earshot's
 * adapter sends and its engine serves. Sources: openai/openai-node `src/resources/realtime/realtime.ts`
 * (`SessionUpdateEvent`, `InputAudioBufferAppendEvent`, `InputAudioBufferCommitEvent`,
 * `InputAudioBufferClearEvent`) and `src/resources/beta/realtime/realtime.ts`
 * (`TranscriptionSessionUpdate`), commit 7b7d6ca7; docs/engine-protocol.md.
 */

/**
 * The client's own id for an event, echoed in an `error` it causes. Optional; a value that is no
 * string is treated as absent rather than failing the event (the engine has always done so).
 */
const clientEventId = z.string().optional().catch(undefined);

export const sessionUpdateEventSchema = z.object({
  type: z.literal('session.update'),
  event_id: clientEventId,
  session: transcriptionSessionUpdateSchema,
});

/** The legacy beta shape, for older OpenAI-compatible servers. */
export const betaSessionUpdateEventSchema = z.object({
  type: z.literal('transcription_session.update'),
  event_id: clientEventId,
  session: betaTranscriptionSessionUpdateSchema,
});

/** `audio`: base64 PCM16 little-endian mono at the session rate (decoding is the server's job). */
export const appendEventSchema = z.object({
  type: z.literal('input_audio_buffer.append'),
  event_id: clientEventId,
  audio: z.string(),
});

export const commitEventSchema = z.object({ type: z.literal('input_audio_buffer.commit'), event_id: clientEventId });

export const clearEventSchema = z.object({ type: z.literal('input_audio_buffer.clear'), event_id: clientEventId });

export const clientEventSchema = z.discriminatedUnion('type', [
  sessionUpdateEventSchema,
  betaSessionUpdateEventSchema,
  appendEventSchema,
  commitEventSchema,
  clearEventSchema,
]);
export type ClientEvent = z.infer<typeof clientEventSchema>;
export type ClientEventType = ClientEvent['type'];

const CLIENT_EVENT_TYPES: ReadonlySet<string> = new Set(clientEventSchema.options.map((o) => o.shape.type.value));

export function isClientEventType(type: unknown): type is ClientEventType {
  return typeof type === 'string' && CLIENT_EVENT_TYPES.has(type);
}

const withEventId = (eventId: string | undefined): { event_id?: string } =>
  eventId === undefined ? {} : { event_id: eventId };

// ── Builders: what a client sends ───────────────────────────────────────────

export function sessionUpdate(
  session: TranscriptionSessionUpdate,
  eventId?: string,
): z.infer<typeof sessionUpdateEventSchema> {
  return { type: 'session.update', ...withEventId(eventId), session };
}

export function betaSessionUpdate(
  session: BetaTranscriptionSessionUpdate,
  eventId?: string,
): z.infer<typeof betaSessionUpdateEventSchema> {
  return { type: 'transcription_session.update', ...withEventId(eventId), session };
}

export function appendAudio(base64Pcm16: string): z.infer<typeof appendEventSchema> {
  return { type: 'input_audio_buffer.append', audio: base64Pcm16 };
}

export function commitAudio(eventId?: string): z.infer<typeof commitEventSchema> {
  return { type: 'input_audio_buffer.commit', ...withEventId(eventId) };
}

export function clearAudio(eventId?: string): z.infer<typeof clearEventSchema> {
  return { type: 'input_audio_buffer.clear', ...withEventId(eventId) };
}
