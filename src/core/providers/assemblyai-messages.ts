import { z } from 'zod';

/**
 * AssemblyAI Universal Streaming v3 (`/v3/ws`): the JSON messages in both directions, written
 * once. The adapter parses what the service sends and builds what it says with these; the test
 * fake (tests/fakes/fake-assemblyai.ts) builds what it sends and reads what it hears with the
 * same schemas.
 *
 * Sources:
 * - AssemblyAI/assemblyai-api-spec, usm-streaming.yml (the AsyncAPI description of `/v3/ws`)
 * - AssemblyAI/assemblyai-api-spec, fern/pages/02-speech-to-text/universal-streaming/
 *   universal-streaming-messages.mdx (the message sequence, published at
 *   https://www.assemblyai.com/docs/streaming/universal-streaming/message-sequence)
 * - https://www.assemblyai.com/docs/streaming/common-session-errors-and-closures (the `Error` frame)
 * - AssemblyAI/assemblyai-node-sdk, src/types/streaming/index.ts (the SDK's typing of the same messages)
 *
 * What the adapter reads is required wherever the docs promise it; everything else is optional,
 * so a field AssemblyAI adds or drops that Earshot never reads cannot break a session.
 */

export const assemblyAiWordSchema = z.object({
  text: z.string(),
  /** Milliseconds from the start of the connection's audio. */
  start: z.number(),
  end: z.number(),
  confidence: z.number().optional(),
  /** False while the word may still change; read as true when absent. */
  word_is_final: z.boolean().optional(),
});

/** The session is open. */
export const assemblyAiBeginSchema = z.object({
  type: z.literal('Begin'),
  id: z.string().optional(),
  /**
   * When the session ends (3 h limit). The messages page and the SDK send epoch seconds; the
   * AsyncAPI file calls it a date-time string. Only the number is read.
   */
  expires_at: z.union([z.number(), z.string()]).optional(),
});

export const assemblyAiSpeechStartedSchema = z.object({
  type: z.literal('SpeechStarted'),
  timestamp: z.number().optional(),
  confidence: z.number().optional(),
});

/**
 * The current text of turn `turn_order`: `transcript` holds its finalized words, `words` all of
 * them (the tail not yet final). `end_of_turn` ends the turn; with `format_turns` a formatted
 * repeat (`turn_is_formatted`) follows.
 */
export const assemblyAiTurnSchema = z.object({
  type: z.literal('Turn'),
  turn_order: z.number(),
  turn_is_formatted: z.boolean(),
  end_of_turn: z.boolean(),
  transcript: z.string(),
  end_of_turn_confidence: z.number().optional(),
  words: z.array(assemblyAiWordSchema),
  utterance: z.string().optional(),
  language_code: z.string().optional(),
  language_confidence: z.number().optional(),
});

/** The answer to `Terminate`: every turn has been sent. */
export const assemblyAiTerminationSchema = z.object({
  type: z.literal('Termination'),
  audio_duration_seconds: z.number().optional(),
  session_duration_seconds: z.number().optional(),
});

/** Sent just before the server closes the socket with the same code. */
export const assemblyAiErrorSchema = z.object({
  type: z.literal('Error'),
  error_code: z.number().optional(),
  error: z.string().optional(),
});

export const assemblyAiServerMessageSchema = z.discriminatedUnion('type', [
  assemblyAiBeginSchema,
  assemblyAiSpeechStartedSchema,
  assemblyAiTurnSchema,
  assemblyAiTerminationSchema,
  assemblyAiErrorSchema,
]);
export type AssemblyAiServerMessage = z.infer<typeof assemblyAiServerMessageSchema>;
export type AssemblyAiTurn = z.infer<typeof assemblyAiTurnSchema>;
export type AssemblyAiError = z.infer<typeof assemblyAiErrorSchema>;

/** The server's messages and their `type`s (a type outside the set is one Earshot does not need). */
export const assemblyAiServerMessages = {
  schema: assemblyAiServerMessageSchema,
  types: new Set<string>(assemblyAiServerMessageSchema.options.map((option) => option.shape.type.value)),
};

/** Client → server text frames. Audio goes as binary PCM frames of 50–1000 ms each. */
export const assemblyAiClientMessageSchema = z.discriminatedUnion('type', [
  /** End the current turn now. */
  z.object({ type: z.literal('ForceEndpoint') }),
  /** End the session: in-flight turns, `Termination`, then close 1000. */
  z.object({ type: z.literal('Terminate') }),
  /** Resets the inactivity timer. */
  z.object({ type: z.literal('KeepAlive') }),
  z.object({
    type: z.literal('UpdateConfiguration'),
    end_of_turn_confidence_threshold: z.number().optional(),
    min_end_of_turn_silence_when_confident: z.number().optional(),
    max_turn_silence: z.number().optional(),
  }),
]);
export type AssemblyAiClientMessage = z.infer<typeof assemblyAiClientMessageSchema>;

export function assemblyAiClientMessage(message: AssemblyAiClientMessage): string {
  return JSON.stringify(message);
}
