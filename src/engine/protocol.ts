import { randomBytes } from 'node:crypto';
import {
  serverEvent as buildServerEvent,
  type ServerEventInput,
  type ServerEventType,
} from '../shared/realtime/server-events.ts';

/**
 * Server → client event helpers for the OpenAI Realtime transcription protocol (GA shape;
 * spec: docs/engine-protocol.md; events: src/shared/realtime/server-events.ts). Every event
 * carries a fresh `event_id`.
 */
export type { ServerEventInput as ServerEvent } from '../shared/realtime/server-events.ts';

export type ErrorType = 'invalid_request_error' | 'server_error';

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

export function serverEvent<T extends ServerEventType>(
  type: T,
  fields: Omit<Extract<ServerEventInput, { type: T }>, 'type' | 'event_id'>,
): Extract<ServerEventInput, { type: T }> {
  return buildServerEvent(type, newId('event'), fields);
}

/** The OpenAI error shape: `{type: "error", error: {type, code, message, param, event_id}}`. */
export function errorEvent(
  code: string,
  message: string,
  options: { param?: string | null; eventId?: string | null; type?: ErrorType } = {},
): ServerEventInput {
  return serverEvent('error', {
    error: {
      type: options.type ?? 'invalid_request_error',
      code,
      message,
      param: options.param ?? null,
      event_id: options.eventId ?? null,
    },
  });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 → PCM16 samples; returns an error message instead of guessing. */
export function decodePcm16(audio: unknown): Int16Array | string {
  if (typeof audio !== 'string') return 'audio must be a base64 string of PCM16 samples.';
  if (audio.length % 4 !== 0) return 'audio is not valid base64.';
  const bytes = Buffer.from(audio, 'base64');
  // Fast path: canonical base64 (what every encoder emits) round-trips exactly, and encoding is
  // far cheaper than the regular expression, which runs on the socket thread for every frame.
  // Anything else gets the full check, so what is accepted is unchanged.
  if (bytes.toString('base64') !== audio && !BASE64.test(audio)) return 'audio is not valid base64.';
  if (bytes.length % 2 !== 0) return `audio has ${bytes.length} bytes; PCM16 needs an even number.`;
  // Copy into an aligned buffer of its own; PCM16 LE is the native layout on every platform Electron ships for.
  const samples = new Int16Array(bytes.length / 2);
  new Uint8Array(samples.buffer).set(bytes);
  if (!LITTLE_ENDIAN) for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}
