import { clientEventSchema, isClientEventType, type ClientEvent } from '../../src/shared/realtime/client-events.ts';
import type { BetaTranscriptionSession, TranscriptionSession } from '../../src/shared/realtime/session.ts';

/**
 * The fake OpenAI's reading of client events and its session objects (OpenAI's realtime-transcription and realtime-vad guides
 * (developers.openai.com/api/docs/guides/realtime-transcription, …/realtime-vad);
 * shapes from the shared protocol, whose schemas cite openai/openai-node).
 */
export const SILENCE_DURATION_MS = 500;
export const PREFIX_PADDING_MS = 300;

export interface SessionFacts {
  readonly index: number;
  readonly rate: number;
  readonly vad: boolean;
  /** The transcription model asked for ('' when none). */
  readonly model: string;
}

export interface Refused {
  readonly code: string;
  readonly message: string;
  readonly eventId: string | null;
}

/** A client frame as OpenAI reads it: the event, or the `invalid_request_error` it answers with. */
export function readClientEvent(
  data: Buffer,
  isBinary: boolean,
  shape: 'ga' | 'beta',
): { event: ClientEvent; eventId: string | null } | { refused: Refused } {
  const refuse = (code: string, message: string, eventId: string | null = null): { refused: Refused } => ({
    refused: { code, message, eventId },
  });
  if (isBinary) return refuse('invalid_value', 'Binary frames are not supported.');
  let m: unknown;
  try {
    m = JSON.parse(data.toString('utf8'));
  } catch {
    return refuse('invalid_json', 'The server could not parse the JSON you sent.');
  }
  const raw = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
  const eventId = typeof raw['event_id'] === 'string' ? raw['event_id'] : null;
  const type = raw['type'];
  if (!isClientEventType(type)) return refuse('unknown_event', `Invalid value: '${String(type)}'.`, eventId);
  // A socket pinned to one shape refuses the other's configuration event (the beta `transcription_session.update` and the GA
  // `session.update` are different events in openai/openai-node's realtime types).
  if (type === 'session.update' && shape === 'beta')
    return refuse('unknown_parameter', "Unknown parameter: 'session.type'.", eventId);
  if (type === 'transcription_session.update' && shape !== 'beta')
    return refuse('invalid_value', "Invalid value: 'transcription_session.update'.", eventId);
  const parsed = clientEventSchema.safeParse(raw);
  if (parsed.success) return { event: parsed.data, eventId };
  const path = parsed.error.issues[0]!.path.join('.');
  if (path === 'session.type')
    return refuse(
      'invalid_value',
      'Passing a transcription session update event to a realtime session is not allowed.',
      eventId,
    );
  if (path === 'session' || path === 'audio')
    return refuse('missing_required_parameter', `Missing required parameter: '${path}'.`, eventId);
  return refuse('invalid_value', `Invalid value for '${path}'.`, eventId);
}

/** The effective session, as OpenAI reports it (the realtime transcription guide's example). */
export function gaSession(s: SessionFacts): TranscriptionSession {
  return {
    type: 'transcription',
    object: 'realtime.transcription_session',
    id: `sess_${s.index}`,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: s.rate },
        transcription: { model: s.model || 'gpt-4o-transcribe', language: '', prompt: '' },
        turn_detection: s.vad
          ? {
              type: 'server_vad',
              threshold: 0.5,
              prefix_padding_ms: PREFIX_PADDING_MS,
              silence_duration_ms: SILENCE_DURATION_MS,
            }
          : null,
        noise_reduction: null,
      },
    },
    include: [],
  };
}

export function betaSession(s: SessionFacts): BetaTranscriptionSession {
  const input = gaSession(s).audio.input;
  return {
    id: `sess_${s.index}`,
    object: 'realtime.transcription_session',
    input_audio_format: 'pcm16',
    input_audio_transcription: input.transcription,
    turn_detection: input.turn_detection,
  };
}
