import { EventEmitter } from 'node:events';
import { EarshotError, type ErrorCode } from '../../shared/errors.ts';
import type { SessionSnapshot, SessionState } from '../../shared/session.ts';
import type { Segment, TranscriptEvent, TranscriptSnapshot } from '../../shared/transcript.ts';
import type { AudioFrame } from '../audio/frame.ts';
import { createLogger } from '../log/logger.ts';
import { createProvider } from '../providers/index.ts';
import {
  msToSamples,
  samplesToMs,
  type CloseVerdict,
  type ProviderAdapter,
  type ProviderEvent,
} from '../providers/types.ts';
import { Journal } from '../transcript/journal.ts';
import { TranscriptModel } from '../transcript/transcript-model.ts';
import { backoffDelay } from './backoff.ts';
import { ProviderConnection, type ConnectionEnd } from './connection.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import {
  newSessionId,
  resolveSessionOptions,
  rotationDelay,
  type ResolvedSessionOptions,
  type SessionOptions,
} from './session-options.ts';
import { SessionTimers } from './session-timers.ts';

export type { SessionOptions } from './session-options.ts';

export interface SessionWarning {
  readonly code: ErrorCode;
  readonly message: string;
}

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

const ACTIVE: ReadonlySet<SessionState> = new Set(['starting', 'streaming', 'reconnecting', 'stopping']);
/** Failed first connections before start() gives up: a wrong URL should not take a minute to report. */
const MAX_INITIAL_ATTEMPTS = 3;
/** The same warning code is published at most this often; repeats go to the log only. */
const WARNING_REPEAT_MS = 30_000;

/**
 * One transcription session: frames in, transcript out, nothing lost in between.
 *
 * States: idle → starting → streaming ⇄ reconnecting → stopping → idle, or → error.
 * - `start()` starts the source and connects; resolves once audio streams (idempotent).
 * - Every frame goes into a replay buffer and leaves it only when the service has accounted
 *   for it (see providers/types.ts), so a reconnect replays exactly the unaccounted audio.
 * - A dropped or silent connection is replaced (backoff with jitter); an expired one at once.
 *   Before the provider's session limit, a new connection is opened beside the old one and
 *   audio switches to it at a turn boundary (rotation with overlap).
 * - `stop()` drains: stops the source, asks the service to finish, waits (bounded) for every
 *   final, then closes. Idempotent; from `error` it returns to `idle`.
 * - Events: `snapshot` (SessionSnapshot, on every change), `transcript` (TranscriptEvent;
 *   finals are journaled before they are emitted), `warning` ({code, message}).
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly provider: ProviderAdapter;
  readonly stats: SessionStats = { connections: 0, reconnects: 0, rotations: 0, droppedMs: 0, lastReplay: null };
  readonly latency: SessionLatency = { frameToSend: [], messageToEvent: [] };
  readonly #opts: SessionOptions;
  readonly #o: ResolvedSessionOptions;
  readonly #log = createLogger('session');
  readonly #timers = new SessionTimers();
  #state: SessionState = 'idle';
  #sessionId: string | null = null;
  #runs = 0;
  #startedAt: number | null = null;
  #error: { code: string; message: string } | null = null;
  #warnings: SessionWarning[] = [];
  readonly #warnedAt = new Map<ErrorCode, number>();
  #buffer: ReplayBuffer;
  #model = new TranscriptModel();
  #journal: Journal | null = null;
  #journalPath: string | null = null;
  #everLive = false;
  #attempt = 0;
  #connectionIds = 0;
  #conn: ProviderConnection | null = null;
  /** Rotation: the successor being opened, and whether it is ready. */
  #pending: ProviderConnection | null = null;
  #pendingReady = false;
  #pendingExpiresAt: number | undefined;
  #rotationDueAt: number | null = null;
  /** Rotation: the predecessor finishing its last turn; audio before `until` is its. */
  #retiring: { conn: ProviderConnection; until: number } | null = null;
  /** What the current connection settled while a predecessor was still retiring. */
  #deferredRelease = 0;
  #overflowWarned = false;
  #lastAudioSentAt = 0;
  #lastPublish = { at: 0, bufferedMs: 0 };
  #startWaiter: { resolve: () => void; reject: (error: Error) => void } | null = null;
  #startPromise: Promise<SessionSnapshot> | null = null;
  #stopPromise: Promise<SessionSnapshot> | null = null;
  #drainWaiter: (() => void) | null = null;

  constructor(options: SessionOptions) {
    super();
    this.#opts = options;
    this.#o = resolveSessionOptions(options);
    this.provider = 'createStream' in options.provider ? options.provider : createProvider(options.provider);
    this.#buffer = new ReplayBuffer(this.provider.sampleRate);
  }

  get state(): SessionState {
    return this.#state;
  }

  get snapshot(): SessionSnapshot {
    return {
      state: this.#state,
      sessionId: this.#sessionId,
      provider: this.provider.id,
      deviceKey: this.#opts.deviceKey ?? null,
      deviceName: this.#opts.deviceName ?? null,
      startedAt: this.#startedAt,
      reconnectAttempt: this.#attempt,
      bufferedMs: Math.round(this.#buffer.bufferedMs),
      error: this.#error,
      warnings: [...this.#warnings],
    };
  }

  /** The current transcript (finals so far and the newest partial). */
  get transcript(): TranscriptSnapshot {
    return this.#model.snapshot(this.#sessionId);
  }

  get segments(): readonly Segment[] {
    return this.#model.segments;
  }

  /** Where this run's journal is (also after it stopped), if any. */
  get journalPath(): string | null {
    return this.#journalPath;
  }

  async start(): Promise<SessionSnapshot> {
    if (this.#state === 'starting' && this.#startPromise) return this.#startPromise;
    if (this.#state === 'streaming' || this.#state === 'reconnecting') return this.snapshot;
    if (this.#state === 'stopping' && this.#stopPromise) await this.#stopPromise;
    this.#startPromise = this.#run();
    return this.#startPromise;
  }

  async stop(): Promise<SessionSnapshot> {
    if (this.#state === 'idle') return this.snapshot;
    if (this.#state === 'stopping' && this.#stopPromise) return this.#stopPromise;
    if (this.#state === 'error') {
      this.#setState('idle');
      return this.snapshot;
    }
    this.#stopPromise = this.#drain();
    return this.#stopPromise;
  }

  async #run(): Promise<SessionSnapshot> {
    this.#runs += 1;
    this.#sessionId = this.#runs === 1 && this.#opts.sessionId ? this.#opts.sessionId : newSessionId();
    this.#startedAt = Date.now();
    this.#error = null;
    this.#warnings = [];
    this.#warnedAt.clear();
    this.#buffer = new ReplayBuffer(this.provider.sampleRate);
    this.#model = new TranscriptModel();
    this.#attempt = 0;
    this.#everLive = false;
    this.#overflowWarned = false;
    this.#openJournal();
    const ready = new Promise<void>((resolve, reject) => {
      this.#startWaiter = { resolve, reject };
    });
    // start() reports the failure; this only keeps the rejection from counting as unhandled.
    ready.catch((error: unknown) => this.#log.debug('start aborted', error));
    this.#setState('starting');
    this.#connect();
    this.#timers.every('keepalive', 1_000, () => this.#keepAlive());
    try {
      await this.#opts.source.start((frame) => this.#onFrame(frame));
    } catch (error) {
      const payload =
        error instanceof EarshotError
          ? error
          : new EarshotError('INTERNAL', `The audio source failed to start: ${(error as Error).message}`);
      this.#fail({ code: payload.code, message: payload.message });
      throw payload;
    }
    await ready;
    return this.snapshot;
  }

  #openJournal(): void {
    this.#journalPath = null;
    if (this.#opts.journal) {
      this.#journal = this.#opts.journal;
      this.#journalPath = this.#journal.path;
      return;
    }
    if (!this.#opts.journalDir) return;
    this.#journal = Journal.open(
      this.#opts.journalDir,
      {
        sessionId: this.#sessionId!,
        startedAt: this.#startedAt!,
        provider: this.provider.id,
        deviceKey: this.#opts.deviceKey ?? null,
        deviceName: this.#opts.deviceName ?? null,
        sampleRate: this.provider.sampleRate,
        ...(this.#opts.title ? { title: this.#opts.title } : {}),
      },
      {
        onWarning: (w) => this.#warn(w.code, w.message),
        onRecovered: () => this.#clearWarnings(['STORAGE_FULL', 'STORAGE_READ_ONLY', 'STORAGE_FAILED']),
      },
    );
    this.#journalPath = this.#journal.path;
  }

  async #drain(): Promise<SessionSnapshot> {
    this.#setState('stopping');
    this.#cancelRotation();
    try {
      await this.#opts.source.stop();
    } catch (error) {
      this.#log.warn('the audio source failed to stop cleanly', error);
    }
    if (this.#conn?.live) this.#sendEnd(this.#conn);
    const drained = await this.#waitDrained(this.#o.drainTimeoutMs);
    if (this.#state !== 'stopping') return this.snapshot; // failed while draining
    if (!drained) {
      this.#warn(
        'DRAIN_TIMEOUT',
        `${this.provider.label} did not deliver the last words within ${Math.round(this.#o.drainTimeoutMs / 1000)} s; everything received is saved.`,
      );
    }
    for (const event of this.#model.finish(!drained)) this.#publishTranscript(event);
    this.#closeConnections(false);
    this.#timers.clearAll();
    await this.#journal?.close();
    this.#journal = null;
    this.#setState('idle');
    // Stopped before the service ever answered: start() resolves with the idle snapshot.
    this.#startWaiter?.resolve();
    this.#startWaiter = null;
    return this.snapshot;
  }

  #waitDrained(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (done: boolean): void => {
        this.#timers.clear('drain');
        this.#drainWaiter = null;
        resolve(done);
      };
      this.#drainWaiter = () => finish(true);
      this.#timers.after('drain', timeoutMs, () => finish(false));
      this.#checkDrained();
    });
  }

  #checkDrained(): void {
    if (!this.#drainWaiter) return;
    if (this.#state !== 'stopping' || (this.#buffer.isEmpty && !this.#retiring)) this.#drainWaiter();
  }

  #fail(error: { code: ErrorCode; message: string }): void {
    if (!ACTIVE.has(this.#state)) return;
    this.#log.error('session failed', error);
    this.#error = { code: error.code, message: error.message };
    this.#closeConnections(true);
    this.#timers.clearAll();
    for (const event of this.#model.finish(true)) this.#publishTranscript(event);
    this.#opts.source.stop().catch((e: unknown) => this.#log.warn('the audio source failed to stop', e));
    this.#setState('error');
    const journal = this.#journal;
    this.#journal = null;
    journal?.close().catch((e: unknown) => this.#log.warn('closing the journal failed', e));
    this.#startWaiter?.reject(new EarshotError(error.code, error.message));
    this.#startWaiter = null;
    this.#drainWaiter?.();
  }

  #onFrame(frame: AudioFrame): void {
    if (!ACTIVE.has(this.#state)) return;
    const t0 = this.#opts.measureLatency ? performance.now() : 0;
    if (frame.sampleRate !== this.provider.sampleRate) {
      this.#fail({
        code: 'INTERNAL',
        message: `The audio source produces ${frame.sampleRate} Hz but ${this.provider.label} needs ${this.provider.sampleRate} Hz.`,
      });
      return;
    }
    this.#buffer.push(frame.samples);
    this.#enforceBound();
    const conn = this.#conn;
    if (conn?.live && !conn.endSent) {
      this.#sendPending(conn);
      if (this.#opts.measureLatency) this.latency.frameToSend.push(performance.now() - t0);
      const commit = conn.stream.maybeCommit(msToSamples(this.#o.maxUncommittedMs, this.provider.sampleRate));
      if (commit) conn.sendAll(commit);
    }
    this.#checkRotation();
    this.#publishBufferedNow();
  }

  /** Sends every captured sample the connection has not had yet. */
  #sendPending(conn: ProviderConnection): void {
    for (const chunk of this.#buffer.from(conn.next)) {
      conn.sendAll(conn.stream.encodeAudio(chunk.samples));
      conn.next = chunk.start + chunk.samples.length;
      this.#lastAudioSentAt = performance.now();
    }
  }

  #sendEnd(conn: ProviderConnection): void {
    if (conn.endSent) return;
    this.#sendPending(conn);
    conn.sendAll(conn.stream.end());
    conn.endSent = true;
  }

  #enforceBound(): void {
    const excess =
      this.#buffer.end - this.#buffer.start - msToSamples(this.#o.replayBufferMs, this.provider.sampleRate);
    if (excess <= 0) return;
    this.#buffer.release(this.#buffer.start + excess);
    if (this.#conn?.live) return; // sent already; the service simply has not settled it yet
    this.stats.droppedMs += samplesToMs(excess, this.provider.sampleRate);
    if (!this.#overflowWarned) {
      this.#overflowWarned = true;
      this.#warn(
        'REPLAY_BUFFER_OVERFLOW',
        `The connection has been down for over ${Math.round(this.#o.replayBufferMs / 1000)} s; the oldest buffered audio is being dropped.`,
      );
    }
  }

  #connect(): void {
    this.stats.connections += 1;
    this.#conn = this.#newConnection();
  }

  #newConnection(): ProviderConnection {
    return new ProviderConnection(this.provider, ++this.#connectionIds, {
      heartbeatIntervalMs: this.#o.heartbeatIntervalMs,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      logger: this.#log,
      onEvent: (conn, event, receivedAt) => this.#onEvent(conn, event, receivedAt),
      onEnd: (conn, end) => this.#onEnd(conn, end),
    });
  }

  #onEvent(conn: ProviderConnection, event: ProviderEvent, receivedAt: number): void {
    if (!ACTIVE.has(this.#state)) return;
    switch (event.kind) {
      case 'ready':
        if (conn === this.#pending) {
          this.#pendingReady = true;
          this.#pendingExpiresAt = event.expiresAtMs;
          this.#checkRotation();
        } else if (conn === this.#conn && !conn.live) this.#onLive(conn, event.expiresAtMs);
        break;
      case 'transcript': {
        const baseMs = samplesToMs(conn.base, this.provider.sampleRate);
        const shift = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : baseMs + ms);
        const events = this.#model.apply(conn.id, {
          key: event.key,
          text: event.text,
          isFinal: event.isFinal,
          ...(event.startMs === undefined ? {} : { startMs: shift(event.startMs)! }),
          ...(event.endMs === undefined ? {} : { endMs: shift(event.endMs)! }),
          ...(event.words
            ? {
                words: event.words.map((w) => ({ text: w.text, startMs: baseMs + w.startMs, endMs: baseMs + w.endMs })),
              }
            : {}),
        });
        for (const e of events) this.#publishTranscript(e);
        if (this.#opts.measureLatency && events.length > 0)
          this.latency.messageToEvent.push(performance.now() - receivedAt);
        break;
      }
      case 'settled':
        this.#onSettled(conn, conn.base + event.untilSample);
        break;
      case 'ended':
        this.#onSettled(conn, conn.next);
        break;
      case 'warning':
        this.#warn(event.code, event.message);
        break;
      case 'expired':
        this.#log.warn('the service ended the session at its limit', { connection: conn.id, message: event.message });
        break;
      case 'fatal':
        this.#fail({ code: event.code, message: event.message });
        break;
      case 'ignored':
        this.#log.debug('ignored a provider message', { type: event.type });
        break;
    }
  }

  #onLive(conn: ProviderConnection, expiresAtMs: number | undefined): void {
    const from = this.#retiring
      ? Math.max(this.#retiring.until, this.#deferredRelease, this.#buffer.start)
      : this.#buffer.start;
    conn.markLive(from);
    if (this.#everLive) this.stats.reconnects += 1;
    this.#everLive = true;
    this.#attempt = 0;
    this.#overflowWarned = false;
    if (this.#state === 'starting' || this.#state === 'reconnecting') this.#setState('streaming');
    else this.#publish();
    this.#startWaiter?.resolve();
    this.#startWaiter = null;
    const t0 = performance.now();
    const samples = this.#buffer.end - from;
    this.#sendPending(conn);
    if (samples > 0) this.stats.lastReplay = { samples, ms: performance.now() - t0 };
    if (this.#state === 'stopping') this.#sendEnd(conn);
    else this.#scheduleRotation(expiresAtMs);
  }

  #onSettled(conn: ProviderConnection, untilSession: number): void {
    const until = Math.min(untilSession, conn.next);
    const retiring = this.#retiring;
    if (retiring?.conn === conn) {
      this.#buffer.release(Math.min(until, retiring.until));
      if (until >= retiring.until) this.#finishRetire(false);
    } else if (conn === this.#conn) {
      if (retiring) this.#deferredRelease = Math.max(this.#deferredRelease, until);
      else this.#buffer.release(until);
    }
    this.#checkDrained();
    this.#publishBufferedNow();
  }

  #onEnd(conn: ProviderConnection, end: ConnectionEnd): void {
    if (conn === this.#retiring?.conn) {
      this.#finishRetire(true);
      return;
    }
    if (conn === this.#pending) {
      this.#pending = null;
      this.#pendingReady = false;
      this.#log.warn('the rotation connection failed; retrying', end);
      if (this.#rotationDueAt !== null)
        this.#timers.after('rotate-retry', backoffDelay(1, this.#o.backoff), () => this.#checkRotation());
      return;
    }
    if (conn !== this.#conn) return;
    this.#conn = null;
    this.#model.orphanConnection(conn.id);
    if (!ACTIVE.has(this.#state)) return;
    if (this.#state === 'stopping' && this.#buffer.isEmpty && !this.#retiring) {
      this.#checkDrained(); // the service closed after finishing the stream
      return;
    }
    this.#cancelRotation();
    const verdict = this.#judge(conn, end);
    if (!verdict.retry) {
      this.#fail(verdict);
      return;
    }
    if (!verdict.immediate) this.#attempt += 1;
    const limit = this.#everLive ? this.#o.maxReconnectAttempts : MAX_INITIAL_ATTEMPTS;
    if (this.#attempt > limit) {
      const code = verdict.code === 'WS_CLOSED' ? 'PROVIDER_UNREACHABLE' : verdict.code;
      this.#fail({ code, message: `${verdict.message} Gave up after ${limit} attempts.` });
      return;
    }
    this.#log.warn('connection lost; reconnecting', {
      connection: conn.id,
      attempt: this.#attempt,
      reason: verdict.message,
    });
    if (this.#state !== 'stopping') this.#setState('reconnecting');
    else this.#publish();
    const delay = verdict.immediate ? 0 : backoffDelay(this.#attempt, this.#o.backoff);
    this.#timers.after('reconnect', delay, () => {
      if (ACTIVE.has(this.#state) && this.#conn === null) this.#connect();
    });
  }

  #judge(conn: ProviderConnection, end: ConnectionEnd): CloseVerdict {
    switch (end.kind) {
      case 'handshake':
        return this.provider.classifyHandshake(end.status, end.detail);
      case 'heartbeat':
        return {
          retry: true,
          code: 'WS_CLOSED',
          message: `${this.provider.label} stopped answering. Earshot is reconnecting without losing audio.`,
        };
      case 'closed':
        return conn.stream.classifyClose(end.code, end.reason);
    }
  }

  #scheduleRotation(expiresAtMs: number | undefined): void {
    const delay = rotationDelay(this.#o, this.provider.maxSessionMs, expiresAtMs, Date.now());
    if (delay === null) return;
    this.#timers.after('rotate', delay, () => {
      this.#rotationDueAt = performance.now();
      this.#checkRotation();
    });
  }

  /** Opens the successor early, then switches at the first turn boundary (or after the grace). */
  #checkRotation(): void {
    if (this.#rotationDueAt === null || this.#state !== 'streaming' || this.#retiring) return;
    const conn = this.#conn;
    if (!conn?.live) return;
    if (!this.#pending) {
      this.stats.rotations += 1;
      this.#pending = this.#newConnection();
      this.#pendingReady = false;
      return;
    }
    if (!this.#pendingReady) return;
    const graceOver = performance.now() - this.#rotationDueAt > this.#o.rotationGraceMs;
    if ((conn.stream.inTurn() && !graceOver) || conn.stream.hasBatchedAudio()) return;
    this.#sendEnd(conn);
    this.#retiring = { conn, until: conn.next };
    this.#timers.after('retire', this.#o.drainTimeoutMs, () => this.#finishRetire(true));
    const next = this.#pending;
    this.#pending = null;
    this.#pendingReady = false;
    this.#rotationDueAt = null;
    this.#conn = next;
    next.markLive(conn.next);
    this.#log.info('rotated the provider connection', { from: conn.id, to: next.id, atSample: conn.next });
    this.#scheduleRotation(this.#pendingExpiresAt);
  }

  #finishRetire(early: boolean): void {
    const retiring = this.#retiring;
    if (!retiring) return;
    this.#retiring = null;
    this.#timers.clear('retire');
    if (early && this.#buffer.start < retiring.until) {
      const lostMs = Math.round(samplesToMs(retiring.until - this.#buffer.start, this.provider.sampleRate));
      this.#warn(
        'WS_CLOSED',
        `The previous connection to ${this.provider.label} closed before finishing its last ${lostMs} ms of audio.`,
      );
    }
    if (!retiring.conn.ended) retiring.conn.close();
    this.#model.orphanConnection(retiring.conn.id);
    this.#buffer.release(Math.max(retiring.until, this.#deferredRelease));
    this.#deferredRelease = 0;
    this.#checkDrained();
  }

  #cancelRotation(): void {
    this.#rotationDueAt = null;
    this.#timers.clear('rotate');
    this.#timers.clear('rotate-retry');
    if (this.#pending) {
      const pending = this.#pending;
      this.#pending = null;
      pending.terminate();
    }
  }

  #closeConnections(abruptly: boolean): void {
    this.#cancelRotation();
    for (const conn of [this.#conn, this.#retiring?.conn]) {
      if (!conn || conn.ended) continue;
      if (abruptly) conn.terminate();
      else conn.close();
    }
    this.#conn = null;
    this.#retiring = null;
  }

  #keepAlive(): void {
    const conn = this.#conn;
    if (!conn?.live || conn.endSent || performance.now() - this.#lastAudioSentAt < this.#o.keepAliveAfterMs) return;
    const message = conn.stream.keepAlive();
    if (message !== null) conn.send(message);
    this.#lastAudioSentAt = performance.now();
  }

  #publishTranscript(event: TranscriptEvent): void {
    // Journal first: a final the person saw must survive a crash that follows.
    if (event.isFinal) this.#journal?.appendFinal(event as Segment);
    this.emit('transcript', event);
  }

  #warn(code: ErrorCode, message: string): void {
    const now = Date.now();
    const last = this.#warnedAt.get(code);
    this.#log.warn(message, { code });
    if (last !== undefined && now - last < WARNING_REPEAT_MS) return;
    this.#warnedAt.set(code, now);
    this.#warnings = [...this.#warnings.filter((w) => w.code !== code), { code, message }].slice(-20);
    this.emit('warning', { code, message });
    this.#publish();
  }

  #clearWarnings(codes: readonly ErrorCode[]): void {
    this.#warnings = this.#warnings.filter((w) => !codes.includes(w.code));
    for (const code of codes) this.#warnedAt.delete(code);
    this.#publish();
  }

  #setState(state: SessionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#journal?.appendState(state);
    this.#publish();
  }

  #publishBufferedNow(): void {
    const now = performance.now();
    const bufferedMs = this.#buffer.bufferedMs;
    if (now - this.#lastPublish.at < 1_000 || Math.abs(bufferedMs - this.#lastPublish.bufferedMs) < 200) return;
    this.#publish();
  }

  #publish(): void {
    const snapshot = this.snapshot;
    this.#lastPublish = { at: performance.now(), bufferedMs: snapshot.bufferedMs };
    this.emit('snapshot', snapshot);
  }
}
