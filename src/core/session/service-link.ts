import { msToSamples, samplesToMs, type ProviderAdapter, type ProviderEvent } from '../providers/types.ts';
import { AudioOut } from './audio-out.ts';
import { BufferBound } from './buffer-bound.ts';
import { FailoverRunner } from './failover.ts';
import { ProviderConnection, type ConnectionEnd } from './connection.ts';
import { DRAIN_PROBE } from './drain-probe.ts';
import type { LinkListener, LinkSetup } from './link-setup.ts';
import type { LinkState } from './link-state.ts';
import { toSessionText } from './provider-text.ts';
import { ReconnectRunner } from './reconnect-runner.ts';
import { RotationRunner } from './rotation-runner.ts';
import type { FailoverOptions, ResolvedSessionOptions } from './session-options.ts';

/**
 * The session's link to the service: one live connection at a time (plus a successor and a
 * retiring predecessor during rotation), replaced when it drops. It sends buffered audio,
 * turns provider events into listener calls, releases audio from the replay buffer as the
 * service accounts for it, and routes each connection's events and end by its role; rotation,
 * reconnects and failover are carried out by their runners. Everything it knows lives in the
 * LinkState it shares with the session.
 */
export class ServiceLink {
  readonly #state: LinkState;
  readonly #setup: LinkSetup;
  readonly #o: ResolvedSessionOptions;
  readonly #on: LinkListener;
  readonly #out: AudioOut;
  readonly #rotation: RotationRunner;
  readonly #reconnect: ReconnectRunner;
  readonly #bound: BufferBound;
  readonly #failover: FailoverRunner | null;
  #ids = 0;
  #sendQueued = false;

  constructor(state: LinkState, setup: LinkSetup, listener: LinkListener, failover?: FailoverOptions) {
    this.#state = state;
    this.#setup = setup;
    this.#o = setup.options;
    this.#on = listener;
    this.#out = new AudioOut({
      state,
      sampleRate: setup.provider.sampleRate,
      timers: setup.timers,
      onCaughtUp: (conn) => this.#onCaughtUp(conn),
    });
    this.#rotation = new RotationRunner(state, setup, {
      out: this.#out,
      open: (like) => this.#open(like?.adapter ?? state.current?.adapter ?? this.#preferred()),
      listener,
    });
    this.#reconnect = new ReconnectRunner(state, setup, {
      open: (adapter) => this.#open(adapter),
      preferred: () => this.#preferred(),
      offline: () => this.#failover?.offline(),
      listener,
    });
    this.#failover = failover
      ? new FailoverRunner(state, setup, failover, {
          connectNow: () => this.#reconnect.connectNow(),
          probe: () => this.#probe(),
          listener,
        })
      : null;
    this.#bound = new BufferBound({
      state,
      sampleRate: setup.provider.sampleRate,
      memoryMs: this.#o.replayBufferMs,
      spill: setup.spill,
      log: setup.log,
      warn: (code, message) => listener.warn(code, message),
    });
  }

  /** Opens the run's first connection and keeps idle connections alive. */
  start(): void {
    this.#reconnect.connect();
    // Checked at twice the keepalive rate (1 s for the 4 s default) so it goes out on time.
    const tick = Math.min(1_000, Math.max(10, this.#o.keepAliveAfterMs / 2));
    this.#setup.timers.every('keepalive', tick, () =>
      this.#out.keepAlive(this.#state.current, this.#o.keepAliveAfterMs),
    );
  }

  /** A frame was buffered: send it if a connection is live, and let rotation look for its moment. */
  onFrame(t0: number, latency: number[] | null): void {
    this.#bound.check();
    // Frames that arrive together (a capture message carries a few) are sent together, once
    // the handler that delivered them is done: one socket write instead of one per frame.
    if (!this.#sendQueued) {
      this.#sendQueued = true;
      queueMicrotask(() => {
        this.#sendQueued = false;
        this.#sendFrames(t0, latency);
        this.#rotation.check();
      });
    }
  }

  #sendFrames(t0: number, latency: number[] | null): void {
    const conn = this.#state.current;
    if (conn?.live && !conn.endSent) {
      this.#out.sendPending(conn);
      latency?.push(performance.now() - t0);
      // A replay reaches the service all at once and its VAD has not caught up with it yet: only
      // audio past the replay's unsettled part counts as lingering uncommitted.
      const replayAllowance = Math.max(0, this.#state.replayedUntil - this.#state.buffer.start);
      const maxUncommitted = msToSamples(this.#o.maxUncommittedMs, this.#setup.provider.sampleRate) + replayAllowance;
      const commit = conn.stream.maybeCommit(maxUncommitted);
      if (commit) conn.sendAll(commit);
    }
  }

  /** Stopping: no successor is opened or switched to from now on. */
  cancelRotation(): void {
    this.#rotation.cancel();
  }

  /** stop(): no more rotation; the live connection is asked to finish its stream. */
  finish(): void {
    this.#rotation.cancel();
    const conn = this.#state.current;
    if (conn?.live) this.#out.sendEnd(conn);
    this.#watchDraining();
  }

  /** Stopping: connections that owe the service's answer are watched closely, so a silent one is replaced within the drain (drain-probe.ts). */
  #watchDraining(): void {
    if (this.#state.lifecycle !== 'stopping') return;
    for (const conn of [this.#state.current, this.#state.retiring?.conn])
      if (conn?.live) conn.watchWhileDraining(DRAIN_PROBE);
  }

  /** How long audio still being paced out will take to send (0 when nothing waits). */
  sendingMs(): number {
    return this.#out.remainingMs(this.#state.current);
  }

  /** The network came back or the computer woke; true when a connection attempt started (ReconnectRunner). */
  retryNow(): boolean {
    return this.#reconnect.retryNow();
  }

  /** Who transcribes now, when it is not the session's own service (failover), else null. */
  get servingProvider(): ProviderAdapter['id'] | null {
    const conn = this.#state.current;
    return conn?.live && conn.adapter !== this.#setup.provider ? conn.adapter.id : null;
  }

  /** Closes every connection: normally (a drained stop) or abruptly (failure). */
  close(abruptly: boolean): void {
    const state = this.#state;
    const retiring = this.#rotation.stop();
    for (const conn of [state.current, retiring]) {
      if (!conn || conn.ended) continue;
      if (abruptly) conn.terminate();
      else conn.close();
    }
    state.current = null;
  }

  /** Where new connections go: the session's service, or the engine after a failover. */
  #preferred(): ProviderAdapter {
    return this.#failover?.preferred ?? this.#setup.provider;
  }

  /** While the engine transcribes: a connection to the cloud, switched to by rotation once it is ready. */
  #probe(): void {
    const conn = this.#open(this.#setup.provider);
    this.#state.successor = { conn, ready: false, expiresAtMs: undefined };
    this.#state.rotationDueAt = performance.now();
    this.#failover?.probing(conn);
  }

  #open(adapter: ProviderAdapter): ProviderConnection {
    return new ProviderConnection(adapter, ++this.#ids, {
      openTransport: this.#setup.openTransport,
      heartbeatIntervalMs: this.#o.heartbeatIntervalMs,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      logger: this.#setup.log,
      onEvent: (conn, event, receivedAt) => this.#onEvent(conn, event, receivedAt),
      onEnd: (conn, end) => this.#onEnd(conn, end),
    });
  }

  #onEvent(conn: ProviderConnection, event: ProviderEvent, receivedAt: number): void {
    if (!this.#state.active) return;
    const { log } = this.#setup;
    switch (event.kind) {
      case 'ready':
        this.#onReady(conn, event.expiresAtMs);
        break;
      case 'transcript': {
        const baseMs = samplesToMs(conn.base, conn.adapter.sampleRate);
        // Each segment names its service once a session can switch between services.
        const service = this.#failover ? conn.adapter.id : undefined;
        this.#on.transcript(conn.id, toSessionText(event, baseMs, service), receivedAt);
        break;
      }
      case 'settled':
        this.#onSettled(conn, conn.base + event.untilSample);
        break;
      case 'ended':
        this.#onSettled(conn, conn.next);
        break;
      case 'warning':
        this.#on.warn(event.code, event.message);
        break;
      case 'expired':
        log.warn('the service ended the session at its limit', { connection: conn.id, message: event.message });
        break;
      case 'fatal':
        this.#on.fail({ code: event.code, message: event.message });
        break;
      case 'ignored':
        log.debug('ignored a provider message', { type: event.type });
        break;
    }
  }

  /** The service is configured; what that means depends on the connection's role. */
  #onReady(conn: ProviderConnection, expiresAtMs: number | undefined): void {
    const { successor, retiring, current } = this.#state;
    if (conn === successor?.conn) {
      this.#rotation.successorReady(successor, expiresAtMs);
      if (this.#state.current === conn) this.#failover?.switched(conn);
    } else if (conn === retiring?.conn) {
      if (!conn.live) this.#rotation.repairReady(conn, retiring);
    } else if (conn === current && !conn.live) {
      this.#goLive(conn, expiresAtMs);
    }
    this.#watchDraining(); // a reconnect or repair during the drain is watched like the one it replaces
  }

  /** Audio goes to `conn` from where the service's accounting stands; what it has not had is replayed. */
  #goLive(conn: ProviderConnection, expiresAtMs: number | undefined): void {
    const state = this.#state;
    const from = state.liveFrom();
    conn.markLive(from);
    if (state.everLive) state.stats.reconnects += 1;
    state.everLive = true;
    state.attempt = 0;
    state.overflowWarned = false;
    state.offlineSince = null;
    this.#bound.online();
    this.#failover?.live(conn);
    this.#on.live();
    const startedAt = performance.now();
    const samples = state.buffer.end - from;
    state.replayedUntil = state.buffer.end;
    const sentAll = this.#out.sendPending(conn);
    if (samples > 0 && sentAll) state.stats.lastReplay = { samples, ms: performance.now() - startedAt };
    else if (samples > 0) state.replay = { conn, samples, startedAt };
    if (state.lifecycle === 'stopping') this.#out.sendEnd(conn);
    else this.#rotation.schedule(expiresAtMs);
  }

  #onCaughtUp(conn: ProviderConnection): void {
    const replay = this.#state.replay;
    if (replay?.conn !== conn) return;
    this.#state.stats.lastReplay = { samples: replay.samples, ms: performance.now() - replay.startedAt };
    this.#state.replay = null;
  }

  /**
   * The service accounted for audio up to `untilSession` on `conn`. The buffer only releases a
   * prefix: while a predecessor retires, its range comes first and the current connection's
   * progress waits in `deferredRelease`.
   */
  #onSettled(conn: ProviderConnection, untilSession: number): void {
    const state = this.#state;
    const until = Math.min(untilSession, conn.next);
    const retiring = state.retiring;
    if (retiring?.conn === conn) {
      state.buffer.release(Math.min(until, retiring.until));
      if (until >= retiring.until) this.#rotation.endRetiring(false);
    } else if (conn === state.current) {
      if (retiring) state.deferredRelease = Math.max(state.deferredRelease, until);
      else state.buffer.release(until);
    }
    this.#on.settled();
  }

  #onEnd(conn: ProviderConnection, end: ConnectionEnd): void {
    const state = this.#state;
    if (conn === state.retiring?.conn) return this.#rotation.endRetiring(true);
    if (conn === state.successor?.conn)
      return this.#failover?.isProbe(conn) ? this.#failover.probeLost() : this.#rotation.successorLost(end);
    if (conn !== state.current) return;
    state.current = null;
    this.#on.orphan(conn.id);
    if (!state.active) return;
    if (state.lifecycle === 'stopping' && state.buffer.isEmpty && !state.retiring) {
      this.#on.settled(); // the service closed after finishing the stream
      return;
    }
    this.#rotation.cancel();
    this.#reconnect.lost(conn, end);
  }
}
