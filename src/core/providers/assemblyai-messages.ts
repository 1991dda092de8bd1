import { z } from 'zod';
import { serverMessages } from './binary-audio.ts';

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
 * What the adapter reads is required wherever the docs promise it. Fields it does not read are
 * declared only where the fake sends them or the docs' examples show them, and optional, so a
 * field AssemblyAI adds or drops that Earshot never reads cannot break a session.
 */

const word = z.object({
  text: z.string(),
  /** Milliseconds from the start of the connection's audio. */
  start: z.number(),
  end: z.number(),
  confidence: z.number().optional(),
  /** False while the word may still change; read as true when absent. */
  word_is_final: z.boolean().optional(),
});

/** The session is open. */
const begin = z.object({
  type: z.literal('Begin'),
  id: z.string().optional(),
  /**
   * When the session ends (3 h limit). The messages page and the SDK send epoch seconds; the
   * AsyncAPI file calls it a date-time string. Only the number is read, and any other value is
   * dropped rather than refusing the `Begin` that opens the session.
   */
  expires_at: z.union([z.number(), z.string()]).optional().catch(undefined),
});

const speechStarted = z.object({
  type: z.literal('SpeechStarted'),
  timestamp: z.number().optional(),
});

/**
 * The current text of turn `turn_order`: `transcript` holds its finalized words, `words` all of
 * them (the tail not yet final). `end_of_turn` ends the turn; with `format_turns` a formatted
 * repeat (`turn_is_formatted`) follows.
 */
const turn = z.object({
  type: z.literal('Turn'),
  turn_order: z.number(),
  turn_is_formatted: z.boolean(),
  end_of_turn: z.boolean(),
  transcript: z.string(),
  end_of_turn_confidence: z.number().optional(),
  words: z.array(word),
  /** Set when an utterance ends inside the turn (for eager downstream use); the turn's text is `transcript`. */
  utterance: z.string().optional(),
});

/** The answer to `Terminate`: every turn has been sent. */
const termination = z.object({
  type: z.literal('Termination'),
  audio_duration_seconds: z.number().optional(),
  session_duration_seconds: z.number().optional(),
});

/** Sent just before the server closes the socket with the same code. */
const error = z.object({
  type: z.literal('Error'),
  error_code: z.number().optional(),
  error: z.string().optional(),
});

/** The server's messages and their `type`s (a type outside the set is one Earshot does not need). */
export const assemblyAiServerMessages = serverMessages([begin, speechStarted, turn, termination, error]);
export type AssemblyAiServerMessage = z.infer<typeof assemblyAiServerMessages.schema>;
export type AssemblyAiTurn = z.infer<typeof turn>;
export type AssemblyAiError = z.infer<typeof error>;

/** Client → server text frames. Audio goes as binary PCM frames of 50–1000 ms each. */
export const assemblyAiClientMessageSchema = z.discriminatedUnion('type', [
  /** End the current turn now. */
  z.object({ type: z.literal('ForceEndpoint') }),
  /** End the session: in-flight turns, `Termination`, then close 1000. */
  z.object({ type: z.literal('Terminate') }),
  /** Resets the inactivity timer. */
  z.object({ type: z.literal('KeepAlive') }),
  /** Changes turn detection mid-session; Earshot never sends it, the fake accepts and ignores it. */
  z.object({ type: z.literal('UpdateConfiguration') }),
]);
export type AssemblyAiClientMessage = z.infer<typeof assemblyAiClientMessageSchema>;

export function assemblyAiClientMessage(message: AssemblyAiClientMessage): string {
  return JSON.stringify(message);
}
