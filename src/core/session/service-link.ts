import type { ErrorCode } from '../../shared/errors.ts';
import type { SessionState } from '../../shared/session.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { msToSamples, samplesToMs, type ProviderAdapter, type ProviderEvent } from '../providers/types.ts';
import type { ProviderText } from '../transcript/transcript-model.ts';
import { AudioOut } from './audio-out.ts';
import { ProviderConnection, type ConnectionEnd } from './connection.ts';
import { toSessionText } from './provider-text.ts';
import { decideReconnect, judgeEnd } from './reconnect-policy.ts';
import type { ReplayBuffer } from './replay-buffer.ts';
import { Rotation } from './rotation.ts';
import type { ResolvedSessionOptions } from './session-options.ts';
import type { SessionTimers } from './session-timers.ts';
import type { SessionStats } from './session-types.ts';

/** What the link needs from the session that owns it. */
export interface LinkHost {
  readonly provider: ProviderAdapter;
  readonly options: ResolvedSessionOptions;
  readonly timers: SessionTimers;
  readonly log: Logger;
  readonly stats: SessionStats;
  /** The current run's replay buffer. */
  readonly buffer: ReplayBuffer;
  readonly state: SessionState;
  /** A connection went live (first time or again): the session is streaming. */
  live(): void;
  /** The connection was lost and a new one is on its way (attempt counter changed). */
  reconnecting(): void;
  transcript(connection: number, text: ProviderText, receivedAt: number): void;
  warn(code: ErrorCode, message: string): void;
  fail(error: { code: ErrorCode; message: string }): void;
  /** A connection is gone: its partials wait for the replayed audio (on `heir`, if given) to produce them again. */
  orphan(connection: number, heir?: number): void;
  /** The retiring audio is done (or given up): finals held back behind it (see `holdsFinals`) follow now. */
  releaseFinals(): void;
  /** The service accounted for audio, or a connection finished: the drain may be complete. */
  settled(): void;
}

const ACTIVE: ReadonlySet<SessionState> = new Set(['starting', 'streaming', 'reconnecting', 'stopping']);

/**
 * The session's link to the service: one live connection at a time (plus a successor and a
 * retiring predecessor during rotation), replaced when it drops. It sends buffered audio,
 * turns provider events into session calls, and releases audio from the replay buffer as the
 * service accounts for it.
 */
export class ServiceLink {
  readonly #host: LinkHost;
  readonly #out: AudioOut;
  readonly #rotation: Rotation;
  #conn: ProviderConnection | null = null;
  #ids = 0;
  #attempt = 0;
  #everLive = false;
  #overflowWarned = false;
  /** A paced replay still going out: for stats.lastReplay once it is done. */
  #replay: { conn: ProviderConnection; samples: number; startedAt: number } | null = null;

  constructor(host: LinkHost) {
    this.#host = host;
    this.#out = new AudioOut({
      buffer: () => host.buffer,
      pacing: host.provider.replayPacing,
      sampleRate: host.provider.sampleRate,
      timers: host.timers,
      onCaughtUp: (conn) => this.#onCaughtUp(conn),
    });
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the rotation host reads and replaces the live connection
    const link = this;
    this.#rotation = new Rotation({
      options: host.options,
      maxSessionMs: host.provider.maxSessionMs,
      timers: host.timers,
      log: host.log,
      get buffer() {
        return host.buffer;
      },
      get current() {
        return link.#conn;
      },
      set current(conn) {
        link.#conn = conn;
      },
      get streaming() {
        return host.state === 'streaming';
      },
      openConnection: () => this.#open(),
      sendEnd: (conn) => this.#out.sendEnd(conn),
      isBehind: (conn) => this.#out.isBehind(conn),
      countRotation: () => {
        host.stats.rotations += 1;
      },
      handOver: (conn, heir) => host.orphan(conn.id, heir.id),
      retired: (conn, unfinished) => this.#onRetired(conn, unfinished),
    });
  }

  /** Consecutive failed connection attempts (0 while connected). */
  get attempt(): number {
    return this.#attempt;
  }

  /** Audio goes out as it is captured (rather than piling up for a replay). */
  get live(): boolean {
    return this.#conn?.live ?? false;
  }

  /** True while nothing remains to be accounted for by a retiring connection. */
  get idle(): boolean {
    return !this.#rotation.retiring;
  }

  /**
   * `connection`'s audio follows audio a retiring (or repair) connection has not finished: its
   * finals wait for `releaseFinals()`, which the end of retiring brings (bounded by rotation.ts).
   */
  holdsFinals(connection: number): boolean {
    const retiring = this.#rotation.retiringConnection;
    return retiring !== null && retiring.id !== connection;
  }

  /** A new run: the counters start over. */
  reset(): void {
    this.#attempt = 0;
    this.#everLive = false;
    this.#overflowWarned = false;
  }

  /** Opens the run's first connection. */
  start(): void {
    this.#connect();
  }

  /** A frame was buffered: send it if a connection is live, and let rotation look for its moment. */
  onFrame(t0: number, latency: number[] | null): void {
    this.#enforceBound();
    const conn = this.#conn;
    if (conn?.live && !conn.endSent) {
      this.#out.sendPending(conn);
      latency?.push(performance.now() - t0);
      const commit = conn.stream.maybeCommit(
        msToSamples(this.#host.options.maxUncommittedMs, this.#host.provider.sampleRate),
      );
      if (commit) conn.sendAll(commit);
    }
    this.#rotation.check();
  }

  /** Stopping: no successor is opened or switched to from now on. */
  cancelRotation(): void {
    this.#rotation.cancel();
  }

  /** stop(): no more rotation; the live connection is asked to finish its stream. */
  finish(): void {
    this.#rotation.cancel();
    if (this.#conn?.live) this.#out.sendEnd(this.#conn);
  }

  /** How long audio still being paced out will take to send (0 when nothing waits). */
  sendingMs(): number {
    return this.#out.remainingMs(this.#conn);
  }

  keepAlive(): void {
    this.#out.keepAlive(this.#conn, this.#host.options.keepAliveAfterMs);
  }

  /** Closes every connection: normally (a drained stop) or abruptly (failure). */
  close(abruptly: boolean): void {
    const retiring = this.#rotation.reset();
    for (const conn of [this.#conn, retiring]) {
      if (!conn || conn.ended) continue;
      if (abruptly) conn.terminate();
      else conn.close();
    }
    this.#conn = null;
  }

  /** Keeps the replay buffer within its bound; while disconnected that drops the oldest audio. */
  #enforceBound(): void {
    const { buffer, options, provider, stats } = this.#host;
    const excess = buffer.end - buffer.start - msToSamples(options.replayBufferMs, provider.sampleRate);
    if (excess <= 0) return;
    buffer.release(buffer.start + excess);
    if (this.live) return; // sent already; the service simply has not settled it yet
    stats.droppedMs += samplesToMs(excess, provider.sampleRate);
    if (!this.#overflowWarned) {
      this.#overflowWarned = true;
      this.#host.warn(
        'REPLAY_BUFFER_OVERFLOW',
        `The connection has been down for over ${Math.round(options.replayBufferMs / 1000)} s; the oldest buffered audio is being dropped.`,
      );
    }
  }

  #connect(): void {
    this.#host.stats.connections += 1;
    this.#conn = this.#open();
  }

  #open(): ProviderConnection {
    const o = this.#host.options;
    return new ProviderConnection(this.#host.provider, ++this.#ids, {
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      connectTimeoutMs: o.connectTimeoutMs,
      logger: this.#host.log,
      onEvent: (conn, event, receivedAt) => this.#onEvent(conn, event, receivedAt),
      onEnd: (conn, end) => this.#onEnd(conn, end),
    });
  }

  #onEvent(conn: ProviderConnection, event: ProviderEvent, receivedAt: number): void {
    const host = this.#host;
    if (!ACTIVE.has(host.state)) return;
    switch (event.kind) {
      case 'ready':
        if (this.#rotation.onReady(conn, event.expiresAtMs)) break;
        if (conn === this.#conn && !conn.live) this.#onLive(conn, event.expiresAtMs);
        break;
      case 'transcript': {
        const baseMs = samplesToMs(conn.base, host.provider.sampleRate);
        host.transcript(conn.id, toSessionText(event, baseMs), receivedAt);
        break;
      }
      case 'settled':
        this.#onSettled(conn, conn.base + event.untilSample);
        break;
      case 'ended':
        this.#onSettled(conn, conn.next);
        break;
      case 'warning':
        host.warn(event.code, event.message);
        break;
      case 'expired':
        host.log.warn('the service ended the session at its limit', { connection: conn.id, message: event.message });
        break;
      case 'fatal':
        host.fail({ code: event.code, message: event.message });
        break;
      case 'ignored':
        host.log.debug('ignored a provider message', { type: event.type });
        break;
    }
  }

  #onLive(conn: ProviderConnection, expiresAtMs: number | undefined): void {
    const host = this.#host;
    const from = this.#rotation.liveFrom();
    conn.markLive(from);
    if (this.#everLive) host.stats.reconnects += 1;
    this.#everLive = true;
    this.#attempt = 0;
    this.#overflowWarned = false;
    host.live();
    const startedAt = performance.now();
    const samples = host.buffer.end - from;
    const sentAll = this.#out.sendPending(conn);
    if (samples > 0 && sentAll) host.stats.lastReplay = { samples, ms: performance.now() - startedAt };
    else if (samples > 0) this.#replay = { conn, samples, startedAt };
    if (host.state === 'stopping') this.#out.sendEnd(conn);
    else this.#rotation.schedule(expiresAtMs);
  }

  #onCaughtUp(conn: ProviderConnection): void {
    if (this.#replay?.conn !== conn) return;
    this.#host.stats.lastReplay = { samples: this.#replay.samples, ms: performance.now() - this.#replay.startedAt };
    this.#replay = null;
  }

  #onSettled(conn: ProviderConnection, untilSession: number): void {
    const until = Math.min(untilSession, conn.next);
    if (!this.#rotation.settle(conn, until) && conn === this.#conn) this.#host.buffer.release(until);
    this.#host.settled();
  }

  #onRetired(conn: ProviderConnection, unfinished: number): void {
    const host = this.#host;
    if (unfinished > 0) {
      const lostMs = Math.round(samplesToMs(unfinished, host.provider.sampleRate));
      host.warn(
        'WS_CLOSED',
        `The previous connection to ${host.provider.label} closed before finishing its last ${lostMs} ms of audio.`,
      );
    }
    host.orphan(conn.id);
    host.releaseFinals();
    host.settled();
  }

  #onEnd(conn: ProviderConnection, end: ConnectionEnd): void {
    const host = this.#host;
    if (this.#rotation.onEnd(conn, end)) return;
    if (conn !== this.#conn) return;
    this.#conn = null;
    host.orphan(conn.id);
    if (!ACTIVE.has(host.state)) return;
    if (host.state === 'stopping' && host.buffer.isEmpty && !this.#rotation.retiring) {
      host.settled(); // the service closed after finishing the stream
      return;
    }
    this.#rotation.cancel();
    const verdict = judgeEnd(host.provider, conn, end);
    const decision = decideReconnect(verdict, this.#attempt, this.#everLive, host.options);
    this.#attempt = decision.attempt;
    if (decision.kind === 'give-up') {
      host.fail(decision);
      return;
    }
    host.log.warn('connection lost; reconnecting', {
      connection: conn.id,
      attempt: this.#attempt,
      reason: verdict.message,
    });
    host.reconnecting();
    host.timers.after('reconnect', decision.delayMs, () => {
      if (ACTIVE.has(host.state) && this.#conn === null) this.#connect();
    });
  }
}
