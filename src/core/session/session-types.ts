import type { SessionSnapshot } from '../../shared/session.ts';
import type { TranscriptEvent } from '../../shared/transcript.ts';
import type { SessionWarning } from './session-warnings.ts';

export interface SessionEvents {
  snapshot: [SessionSnapshot];
  transcript: [TranscriptEvent];
  warning: [SessionWarning];
}

/** The session layer's own latencies in ms (filled when `measureLatency` is set). */
export interface SessionLatency {
  /** Frame handed to the session → its audio handed to the WebSocket. */
  readonly frameToSend: number[];
  /** Provider message received → transcript event emitted. */
  readonly messageToEvent: number[];
}

export interface SessionStats {
  connections: number;
  reconnects: number;
  rotations: number;
  /** Audio dropped because the replay buffer overflowed while disconnected. */
  droppedMs: number;
  /** The last replay after a reconnect: how much audio, and how long sending it took. */
  lastReplay: { samples: number; ms: number } | null;
}
