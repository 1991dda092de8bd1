import type { SessionState } from '../../shared/session.ts';
import type { ProviderConnection } from './connection.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import type { SessionStats } from './session-types.ts';

/** A rotation's successor: opened beside the current connection, switched to once ready. */
export interface Successor {
  readonly conn: ProviderConnection;
  ready: boolean;
  /** The deadline the service announced when it became ready (epoch ms), if any. */
  expiresAtMs: number | undefined;
}

/**
 * The predecessor finishing its last turn after a rotation, or a repair connection re-sending
 * that audio because the predecessor died first. Audio before `until` is its to account for.
 */
export interface Retiring {
  conn: ProviderConnection;
  readonly until: number;
  /** Repair connections opened so far (bounded by rotation.ts). */
  repairs: number;
}

/** The stretch of audio a reconnect replayed, while a paced replay is still going out. */
export interface ReplayInProgress {
  readonly conn: ProviderConnection;
  readonly samples: number;
  readonly startedAt: number;
}

const ACTIVE: ReadonlySet<SessionState> = new Set(['starting', 'streaming', 'reconnecting', 'stopping']);

/**
 * Everything the session and its link to the service know about the current run, in one
 * place. The Session owns it and writes `lifecycle`; it hands this same object to the parts
 * that need it (service-link.ts, audio-out.ts, rotation.ts), which read and update it directly
 * instead of asking each other. A new run starts it over with `startRun()`.
 *
 * Connections have one role each: `current` (where audio goes), `successor` (a rotation's next
 * connection, not yet switched to) and `retiring.conn` (the predecessor, or its repair).
 */
export class LinkState {
  lifecycle: SessionState = 'idle';
  /** The run's unaccounted audio. */
  buffer: ReplayBuffer;
  readonly stats: SessionStats = { connections: 0, reconnects: 0, rotations: 0, droppedMs: 0, lastReplay: null };
  current: ProviderConnection | null = null;
  successor: Successor | null = null;
  retiring: Retiring | null = null;
  /** When rotation became due (performance.now()), or null while none is. */
  rotationDueAt: number | null = null;
  /** What `current` settled while a predecessor was still retiring: released once retiring is over. */
  deferredRelease = 0;
  /** Consecutive failed connection attempts (0 while connected). */
  attempt = 0;
  /** Some connection of this run went live (later ones count as reconnects). */
  everLive = false;
  /** REPLAY_BUFFER_OVERFLOW was shown for this outage. */
  overflowWarned = false;
  replay: ReplayInProgress | null = null;
  /** One past the last sample the newest connection got as a replay when it went live. */
  replayedUntil = 0;
  /** When the service was last lost (epoch ms), while no connection is live; null while one is. */
  offlineSince: number | null = null;

  constructor(sampleRate: number) {
    this.buffer = new ReplayBuffer(sampleRate);
  }

  /** The session takes frames and talks to the service (not idle, not failed). */
  get active(): boolean {
    return ACTIVE.has(this.lifecycle);
  }

  /** A new run: a fresh buffer, and the counters of the link start over. */
  startRun(): void {
    this.buffer.dispose();
    this.buffer = new ReplayBuffer(this.buffer.sampleRate);
    this.offlineSince = null;
    this.replayedUntil = 0;
    this.attempt = 0;
    this.everLive = false;
    this.overflowWarned = false;
  }

  /** Where a connection that goes live now starts: after whatever the retiring one owns. */
  liveFrom(): number {
    const start = this.buffer.start;
    return this.retiring ? Math.max(this.retiring.until, this.deferredRelease, start) : start;
  }

  /**
   * `connection`'s audio follows audio a retiring (or repair) connection has not finished: its
   * finals wait until retiring is over, so the transcript stays in audio order.
   */
  holdsFinals(connection: number): boolean {
    return this.retiring !== null && this.retiring.conn.id !== connection;
  }
}
