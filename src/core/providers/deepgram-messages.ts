import { z } from 'zod';
import { serverMessages } from './binary-audio.ts';

/**
 * Deepgram live streaming (`/v1/listen`, Nova models): the JSON messages in both directions,
 * written once. The adapter parses what the service sends and builds what it says with these;
 * the test fake (tests/fakes/fake-deepgram.ts) builds what it sends and reads what it hears
 * with the same schemas.
 *
 * Sources:
 * - Streaming API reference, https://developers.deepgram.com/reference/speech-to-text/listen-streaming
 *   (its AsyncAPI description of `/v1/listen`)
 * - feature pages https://developers.deepgram.com/docs/interim-results, /docs/endpointing,
 *   /docs/understand-endpointing-interim-results, /docs/speech-started, /docs/utterance-end,
 *   /docs/finalize, /docs/close-stream, /docs/audio-keep-alive,
 *   /docs/stt-troubleshooting-websocket-data-and-net-errors
 * - deepgram/deepgram-js-sdk, src/lib/types/LiveTranscriptionEvent.ts, UtteranceEndEvent.ts,
 *   SpeechStartedEvent.ts (the SDK's typing of the same messages)
 *
 * What the adapter reads is required wherever the docs promise it. Fields it does not read are
 * declared only where the fake sends them, and optional, so a field Deepgram adds or drops that
 * Earshot never reads cannot break a session.
 */

const channelPair = z.array(z.number()).describe('[channel index, channel count]');

const word = z.object({
  word: z.string(),
  /** Seconds from the start of the connection's audio. */
  start: z.number(),
  end: z.number(),
  confidence: z.number().optional(),
  /** With `smart_format` or `punctuate`: the word as it should be shown. */
  punctuated_word: z.string().optional(),
});

/** Text for the range `[start, start + duration]` (seconds): interim, or final when `is_final`. */
const results = z.object({
  type: z.literal('Results'),
  channel_index: channelPair.optional(),
  start: z.number(),
  duration: z.number(),
  is_final: z.boolean().optional(),
  /** An endpoint (a pause of `endpointing` ms) follows this final. */
  speech_final: z.boolean().optional(),
  /** This final answers a `Finalize`. */
  from_finalize: z.boolean().optional(),
  channel: z.object({
    alternatives: z.array(
      z.object({
        transcript: z.string(),
        confidence: z.number().optional(),
        words: z.array(word).optional(),
      }),
    ),
  }),
  metadata: z
    .object({
      request_id: z.string().optional(),
      model_info: z.object({ name: z.string(), version: z.string(), arch: z.string() }).optional(),
      model_uuid: z.string().optional(),
    })
    .optional(),
});

/** `vad_events=true`: speech began at `timestamp` (seconds). */
const speechStarted = z.object({
  type: z.literal('SpeechStarted'),
  channel: channelPair.optional(),
  timestamp: z.number().optional(),
});

/** `utterance_end_ms`: a gap of that length followed the last final word, which ended at `last_word_end`. */
const utteranceEnd = z.object({
  type: z.literal('UtteranceEnd'),
  channel: channelPair.optional(),
  last_word_end: z.number().optional(),
});

/** The summary after `CloseStream`: every final has been sent. */
const metadata = z.object({
  type: z.literal('Metadata'),
  transaction_key: z.string().optional(),
  request_id: z.string().optional(),
  sha256: z.string().optional(),
  created: z.string().optional(),
  duration: z.number().optional(),
  channels: z.number().optional(),
});

/** Runtime failures normally arrive as a close frame whose reason is the error code; this is the in-band form. */
/**
 * A recoverable error about a client text message; the socket stays open. Shape from
 * deepgram/deepgram-js-sdk @ 108a127a, src/api/resources/listen/resources/v1/types/ListenV1Error.ts
 * (generated from Deepgram's API definition): `variant` `SchemaError` (a text message the server
 * could not parse; `message` echoes it) or `InvalidConfigureMessage` (a refused `Configure`,
 * `code` says why, e.g. `KeytermsNotSupported`). Read loosely: every field but `type` optional.
 */
const error = z.object({
  type: z.literal('Error'),
  variant: z.string().optional(),
  description: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

/** The server's messages and their `type`s (a type outside the set is one Earshot does not need). */
export const deepgramServerMessages = serverMessages([results, speechStarted, utteranceEnd, metadata, error]);
export type DeepgramServerMessage = z.infer<typeof deepgramServerMessages.schema>;
export type DeepgramResults = z.infer<typeof results>;
export type DeepgramError = z.infer<typeof error>;

/** Client → server text frames. Audio goes as binary linear16 frames, never empty (an empty one used to mean "close"). */
export const deepgramClientMessageSchema = z.discriminatedUnion('type', [
  /** Finish the current range now; the answer is a final with `from_finalize: true`. */
  z.object({ type: z.literal('Finalize'), channel: z.number().optional() }),
  /** Finish everything: last finals, `Metadata`, then close 1000. */
  z.object({ type: z.literal('CloseStream') }),
  /** Resets the idle timer (close 1011 `NET-0001` after about 10 s without audio). */
  z.object({ type: z.literal('KeepAlive') }),
]);
export type DeepgramClientMessage = z.infer<typeof deepgramClientMessageSchema>;

export function deepgramClientMessage(message: DeepgramClientMessage): string {
  return JSON.stringify(message);
}
