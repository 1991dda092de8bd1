import type { ErrorCode } from '../../shared/errors.ts';
import type { ProviderId } from '../../shared/session.ts';

/**
 * What a provider adapter does, and what it leaves to the session.
 *
 * An adapter knows one service's wire protocol and nothing else: where to connect, what to
 * say first, how audio and control messages look, and how to read what comes back. The
 * session owns the socket, the replay buffer, reconnects and the transcript; it never looks
 * inside a provider message. A `ProviderStream` holds the per-connection protocol state
 * (item ids, sample counts, partial text) and is thrown away with its socket.
 *
 * Times inside a stream are CONNECTION-relative (the first sample sent on this socket is 0),
 * because every provider restarts its clock on a new connection; the session maps them to
 * session time.
 */

/** A text frame (JSON) or a binary frame (raw PCM). */
export type WireMessage = string | Buffer;

export interface ConnectRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly protocols?: readonly string[];
}

export interface ProviderWord {
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** Everything a provider can tell the session, normalised. */
export type ProviderEvent =
  /** The service is configured; audio may flow. `expiresAtMs` (epoch) if the service announced a deadline. */
  | { readonly kind: 'ready'; readonly expiresAtMs?: number }
  /**
   * Text for one provider segment (OpenAI item, Deepgram range, AssemblyAI turn). `text` is the
   * whole current text of the segment, never a delta. A non-final event with empty text retracts
   * a partial the service abandoned.
   */
  | {
      readonly kind: 'transcript';
      readonly key: string;
      readonly text: string;
      readonly isFinal: boolean;
      readonly startMs?: number;
      readonly endMs?: number;
      readonly words?: readonly ProviderWord[];
    }
  /** The service has accounted for every sample before `untilSample` (connection-relative). */
  | { readonly kind: 'settled'; readonly untilSample: number }
  /** The service confirmed the end of the stream: every sample sent on this connection is accounted for. */
  | { readonly kind: 'ended' }
  /** A recoverable problem the service reported; the socket stays open. */
  | { readonly kind: 'warning'; readonly code: ErrorCode; readonly message: string }
  /** The service hit its session limit; the socket is about to close. Handled like a drop, at once. */
  | { readonly kind: 'expired'; readonly message: string }
  /** An error that a reconnect cannot fix (bad key, bad model). */
  | { readonly kind: 'fatal'; readonly code: ErrorCode; readonly message: string }
  /** A well-formed message the session does not need (unknown or informational event). */
  | { readonly kind: 'ignored'; readonly type: string };

/**
 * How fast buffered audio may go out on a connection. Services that check the audio rate
 * (AssemblyAI closes with 3007 when audio arrives faster than real time) get a replay after a
 * reconnect at a bounded multiple of real time instead of all at once; live audio, which
 * arrives in real time, is never held back once the connection has caught up.
 */
export interface ReplayPacing {
  /** Audio per second of wall time while catching up, as a multiple of real time (> 1 to catch up at all). */
  readonly maxRealtimeFactor: number;
  /** Audio that may go out at once, ahead of that rate (ms). */
  readonly burstMs: number;
}

/** How the session should treat a socket that closed or never opened. */
export interface CloseVerdict {
  /** Try again (with backoff) or give up with `code`. */
  readonly retry: boolean;
  /** Skip the backoff: the service ended the session on purpose (expiry). */
  readonly immediate?: boolean;
  readonly code: ErrorCode;
  readonly message: string;
}

/** Per-connection protocol state. Created by `ProviderAdapter.createStream()` for each socket. */
export interface ProviderStream {
  /** Messages to send right after the socket opens (before any service event). */
  onOpen(): { readonly send: readonly WireMessage[]; readonly events: readonly ProviderEvent[] };
  /** Encodes samples for the wire. May return nothing (the adapter batches) or several messages. */
  encodeAudio(samples: Int16Array): readonly WireMessage[];
  /**
   * Decodes one incoming message. Replies the adapter must send (a session set-up in answer to
   * `session.created`) come back in `send`. Never throws: bad input becomes a `warning` event.
   */
  decode(
    data: Buffer,
    isBinary: boolean,
  ): { readonly send: readonly WireMessage[]; readonly events: readonly ProviderEvent[] };
  /** Ask the service to finish the current turn now (commit / Finalize / ForceEndpoint). */
  flush(): readonly WireMessage[];
  /** Ask the service to finish everything and end the stream (flushing any batched audio first). */
  end(): readonly WireMessage[];
  /** Sent when no audio has gone out for a while, for services that close idle sockets. */
  keepAlive(): WireMessage | null;
  /** True while the service is inside an utterance; rotation waits for false. */
  inTurn(): boolean;
  /**
   * True while encoded audio waits in the adapter for a full message (AssemblyAI batches 20 ms
   * frames into ≥ 50 ms messages). Rotation switches only when false, so ending the old stream
   * never has to pad a short last message with silence.
   */
  hasBatchedAudio(): boolean;
  /**
   * Samples that were sent but are held only in the service's open, uncommitted buffer for
   * longer than the session allows (OpenAI-style services settle audio only when an item is
   * committed). Returning messages here commits them; null when nothing needs doing.
   */
  maybeCommit(maxUncommittedSamples: number): readonly WireMessage[] | null;
  /** Judges a close. Uses what the stream saw (an `error` event just before, an expiry). */
  classifyClose(code: number, reason: string): CloseVerdict;
}

export interface ProviderAdapter {
  readonly id: ProviderId;
  /** Human name for logs and messages. */
  readonly label: string;
  /** PCM16 mono rate this adapter sends; the frame source must produce it. */
  readonly sampleRate: number;
  /** The service's hard session limit, or null. The session rotates before it. */
  readonly maxSessionMs: number | null;
  /** Rate limit for replays, or null: replay as fast as the socket takes it. */
  readonly replayPacing: ReplayPacing | null;
  connectRequest(): ConnectRequest;
  createStream(): ProviderStream;
  /** Judges a failed handshake (HTTP status before the upgrade, or a network error). */
  classifyHandshake(status: number | null, detail: string): CloseVerdict;
}

/** Options common to every provider, as the app's settings and the CLI give them. */
export interface ProviderConfig {
  readonly id: ProviderId;
  /** Override the service URL (tests, proxies, self-hosted servers, the embedded engine). */
  readonly url?: string;
  readonly apiKey?: string;
  readonly model?: string;
  /** ISO-639-1, e.g. "en". */
  readonly language?: string;
  /** OpenAI-style: "server_vad" (default) or "manual" (the client commits). */
  readonly turnDetection?: 'server_vad' | 'manual';
  /** OpenAI-style server VAD: silence that ends a turn (ms). Default 300 for the local engine, 500 elsewhere. */
  readonly silenceDurationMs?: number;
  /** OpenAI-compatible servers: force the legacy beta event shape instead of detecting it. */
  readonly shape?: 'ga' | 'beta' | 'auto';
  /** Override the PCM rate (OpenAI-compatible servers that take 16 kHz, Deepgram, AssemblyAI). */
  readonly sampleRate?: number;
  /** Override the session limit the session rotates before (ms). */
  readonly maxSessionMs?: number | null;
  /**
   * Silero VAD model for client-side turns (servers without VAD: vLLM, OpenAI's no-VAD
   * models). The CLI and app find it with src/platform/models/vad-model.ts.
   */
  readonly vadModelPath?: string;
}

export function msToSamples(ms: number, sampleRate: number): number {
  return Math.round((ms * sampleRate) / 1000);
}

export function samplesToMs(samples: number, sampleRate: number): number {
  return (samples * 1000) / sampleRate;
}

/** Int16 samples as little-endian bytes, without copying on little-endian machines. */
export function pcmBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Parses a JSON text message into an object with a string `type`, or explains why not. */
export function parseJsonMessage(
  data: Buffer,
): { ok: true; msg: Record<string, unknown> & { type: string } } | { ok: false; why: string } {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (error) {
    return { ok: false, why: `malformed JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, why: 'not a JSON object' };
  const type = (value as Record<string, unknown>)['type'];
  if (typeof type !== 'string') return { ok: false, why: 'no "type" field' };
  return { ok: true, msg: value as Record<string, unknown> & { type: string } };
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A warning that a service sent something unusable; the session logs it and carries on. */
export function protocolWarning(label: string, why: string): ProviderEvent {
  return { kind: 'warning', code: 'PROVIDER_PROTOCOL', message: `${label} sent ${why}; it was ignored.` };
}

/**
 * The first step of every JSON protocol's `decode`: a typed message, or the warning to report
 * instead (binary frame, malformed JSON, no `type`).
 */
export function readServerMessage(
  label: string,
  data: Buffer,
  isBinary: boolean,
): { msg: Record<string, unknown> & { type: string } } | { warning: ProviderEvent } {
  if (isBinary) return { warning: protocolWarning(label, 'a binary frame, which this protocol never sends') };
  const parsed = parseJsonMessage(data);
  return parsed.ok ? { msg: parsed.msg } : { warning: protocolWarning(label, parsed.why) };
}
