import type { SessionState } from '../../shared/session.ts';
import { speakerLabel, type SpeakerNames, type TranscriptEvent } from '../../shared/transcript.ts';

/**
 * The captions wire protocol: JSON text frames from server to subscriber. Third-party
 * programs read these, so field names are snake_case and stable (see README.md here).
 */

/** Subprotocol the server always selects; browsers fail a handshake that offers protocols and gets none back. */
export const CAPTIONS_SUBPROTOCOL = 'earshot-captions';
/** A browser passes its token as a second offered subprotocol: `earshot-token.<token>`. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'earshot-token.';

export interface WireSegment {
  readonly id: string;
  readonly text: string;
  readonly final: boolean;
  /** Audio time since the session began; null when the provider did not say. */
  readonly start_ms: number | null;
  readonly end_ms: number | null;
  /** Meeting mode: who spoke ('mic': the person at this computer, 'system': the others); absent otherwise. */
  readonly source?: 'mic' | 'system';
  /** Meeting mode: that speaker's name as the person set it in Earshot ("You" / "Others" unless renamed). */
  readonly speaker?: string;
}

export type ServerMessage =
  | {
      readonly type: 'snapshot';
      /** The most recent finals, oldest first. */
      readonly segments: readonly WireSegment[];
      readonly partial: WireSegment | null;
      readonly state: SessionState;
    }
  | ({ readonly type: 'segment' } & WireSegment)
  | { readonly type: 'session'; readonly state: SessionState }
  | { readonly type: 'pong' };

export function toWireSegment(event: TranscriptEvent, speakers?: SpeakerNames): WireSegment {
  return {
    id: event.segmentId,
    text: event.text,
    final: event.isFinal,
    start_ms: event.startMs ?? null,
    end_ms: event.endMs ?? null,
    ...(event.source ? { source: event.source, speaker: speakerLabel(event.source, speakers) } : {}),
  };
}

/**
 * Encodes once per broadcast, as a complete WebSocket text frame: the same Buffer goes to
 * every subscriber, so publishing to a thousand sockets costs one JSON.stringify and one
 * framing, not a thousand (see subscriber.ts for why frames bypass `ws.send`).
 */
export function encodeMessage(message: ServerMessage): Buffer {
  return textFrame(Buffer.from(JSON.stringify(message), 'utf8'));
}

/** An unmasked, final text frame (RFC 6455 §5.2), as a server sends it. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}

export const PONG_FRAME = encodeMessage({ type: 'pong' });

/**
 * Client messages are ignored except an application-level ping (browsers cannot send
 * WebSocket ping frames). Anything else, including malformed JSON, is not an error.
 */
export function isClientPing(data: Buffer, isBinary: boolean): boolean {
  // A ping is tiny; do not parse anything bigger, junk costs its sender nothing of ours.
  if (isBinary || data.length > 64) return false;
  try {
    const parsed: unknown = JSON.parse(data.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && (parsed as { type?: unknown }).type === 'ping';
  } catch {
    // Junk from a subscriber is expected traffic, not a fault: it is ignored by design.
    return false;
  }
}
