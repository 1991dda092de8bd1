import { EventEmitter } from 'node:events';
import { EarshotError, type ErrorCode } from '../../shared/errors.ts';
import type { SessionSnapshot, SessionState } from '../../shared/session.ts';
import type { Segment, TranscriptEvent, TranscriptSnapshot } from '../../shared/transcript.ts';
import type { AudioFrame } from '../../shared/audio-frame.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { createProvider } from '../providers/index.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import type { Journal } from '../transcript/journal.ts';
import { TranscriptModel, type ProviderText } from '../transcript/transcript-model.ts';
import { DrainWaiter } from './drain-waiter.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import { openSessionJournal } from './session-journal.ts';
import { ServiceLink } from './service-link.ts';
import {
  newSessionId,
  resolveSessionOptions,
  type ResolvedSessionOptions,
  type SessionOptions,
} from './session-options.ts';
import { SessionTimers } from './session-timers.ts';
import type { SessionEvents, SessionLatency, SessionStats } from './session-types.ts';
import { SessionWarnings } from './session-warnings.ts';

export type { SessionOptions } from './session-options.ts';
export type { SessionEvents, SessionLatency, SessionStats } from './session-types.ts';
export type { SessionWarning } from './session-warnings.ts';

const ACTIVE: ReadonlySet<SessionState> = new Set(['starting', 'streaming', 'reconnecting', 'stopping']);

/**
 * One transcription session: frames in, transcript out, nothing lost in between.
 *
 * States: idle → starting → streaming ⇄ reconnecting → stopping → idle, or → error.
 * - `start()` starts the source and connects; resolves once audio streams (idempotent).
 * - Every frame goes into a replay buffer and leaves it only when the service has accounted
 *   for it (see providers/types.ts), so a reconnect replays exactly the unaccounted audio.
 * - A dropped or silent connection is replaced (backoff with jitter, reconnect-policy.ts); an
 *   expired one at once. Before the provider's session limit the connection is rotated
 *   (rotation.ts).
 * - `stop()` drains: stops the source, asks the service to finish, waits (bounded) for every
 *   final, then closes. Idempotent; from `error` it returns to `idle`.
 * - Events: `snapshot` (SessionSnapshot, on every change), `transcript` (TranscriptEvent;
 *   finals in audio order, journaled before they are emitted), `warning` ({code, message}).
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly provider: ProviderAdapter;
  readonly stats: SessionStats = { connections: 0, reconnects: 0, rotations: 0, droppedMs: 0, lastReplay: null };
  readonly latency: SessionLatency = { frameToSend: [], messageToEvent: [] };
  readonly #opts: SessionOptions;
  readonly #o: ResolvedSessionOptions;
  readonly #log = createLogger('session');
  readonly #timers = new SessionTimers();
  readonly #warnings = new SessionWarnings();
  readonly #drainWaiter = new DrainWaiter(this.#timers);
  readonly #link: ServiceLink;
  #state: SessionState = 'idle';
  #sessionId: string | null = null;
  #runs = 0;
  #startedAt: number | null = null;
  #error: { code: string; message: string } | null = null;
  #buffer: ReplayBuffer;
  #model = new TranscriptModel();
  #journal: Journal | null = null;
  #journalPath: string | null = null;
  #lastPublish = { at: 0, bufferedMs: 0 };
  #startWaiter: { resolve: () => void; reject: (error: Error) => void } | null = null;
  #startPromise: Promise<SessionSnapshot> | null = null;
  #stopPromise: Promise<SessionSnapshot> | null = null;

  constructor(options: SessionOptions) {
    super();
    this.#opts = options;
    this.#o = resolveSessionOptions(options);
    this.provider = 'createStream' in options.provider ? options.provider : createProvider(options.provider);
    this.#buffer = new ReplayBuffer(this.provider.sampleRate);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the link host reads live session state
    const session = this;
    this.#link = new ServiceLink({
      provider: this.provider,
      options: this.#o,
      timers: this.#timers,
      log: this.#log,
      stats: this.stats,
      get buffer() {
        return session.#buffer;
      },
      get state() {
        return session.#state;
      },
      live: () => this.#onLive(),
      reconnecting: () => (this.#state === 'stopping' ? this.#publish() : this.#setState('reconnecting')),
      transcript: (connection, text, receivedAt) => this.#onText(connection, text, receivedAt),
      warn: (code, message) => this.#warn(code, message),
      fail: (error) => this.#fail(error),
      orphan: (connection, heir) => this.#model.orphanConnection(connection, heir),
      releaseFinals: () => {
        for (const event of this.#model.releaseHeld()) this.#publishTranscript(event);
      },
      settled: () => {
        this.#checkDrained();
        this.#publishBufferedNow();
      },
    });
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
      reconnectAttempt: this.#link.attempt,
      bufferedMs: Math.round(this.#buffer.bufferedMs),
      error: this.#error,
      warnings: [...this.#warnings.list],
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
    this.#warnings.reset();
    this.#buffer = new ReplayBuffer(this.provider.sampleRate);
    this.#model = new TranscriptModel();
    this.#link.reset();
    this.#journal = openSessionJournal(
      this.#opts,
      { sessionId: this.#sessionId, startedAt: this.#startedAt, provider: this.provider },
      {
        onWarning: (w) => this.#warn(w.code, w.message),
        onRecovered: () => this.#clearWarnings(['STORAGE_FULL', 'STORAGE_READ_ONLY', 'STORAGE_FAILED']),
      },
    );
    this.#journalPath = this.#journal?.path ?? null;
    const ready = new Promise<void>((resolve, reject) => {
      this.#startWaiter = { resolve, reject };
    });
    // start() reports the failure; this only keeps the rejection from counting as unhandled.
    ready.catch((error: unknown) => this.#log.debug('start aborted', error));
    this.#setState('starting');
    this.#link.start();
    // Checked at twice the keepalive rate (1 s for the 4 s default) so it goes out on time.
    const keepAliveTick = Math.min(1_000, Math.max(10, this.#o.keepAliveAfterMs / 2));
    this.#timers.every('keepalive', keepAliveTick, () => this.#link.keepAlive());
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

  async #drain(): Promise<SessionSnapshot> {
    this.#setState('stopping');
    this.#link.cancelRotation();
    try {
      await this.#opts.source.stop();
    } catch (error) {
      this.#log.warn('the audio source failed to stop cleanly', error);
    }
    this.#link.finish();
    // A paced replay still going out extends the wait by the time it needs.
    const waiting = this.#drainWaiter.wait(this.#o.drainTimeoutMs, () => this.#link.sendingMs());
    this.#checkDrained();
    const drained = await waiting;
    if (this.#state !== 'stopping') return this.snapshot; // failed while draining
    if (!drained) {
      this.#warn(
        'DRAIN_TIMEOUT',
        `${this.provider.label} did not deliver the last words within ${Math.round(this.#o.drainTimeoutMs / 1000)} s; everything received is saved.`,
      );
    }
    for (const event of this.#model.finish(!drained)) this.#publishTranscript(event);
    this.#link.close(false);
    this.#timers.clearAll();
    await this.#journal?.close();
    this.#journal = null;
    this.#setState('idle');
    // Stopped before the service ever answered: start() resolves with the idle snapshot.
    this.#startWaiter?.resolve();
    this.#startWaiter = null;
    return this.snapshot;
  }

  #checkDrained(): void {
    if (!this.#drainWaiter.waiting) return;
    if (this.#state !== 'stopping' || (this.#buffer.isEmpty && this.#link.idle)) this.#drainWaiter.done();
  }

  #fail(error: { code: ErrorCode; message: string }): void {
    if (!ACTIVE.has(this.#state)) return;
    this.#log.error('session failed', error);
    this.#error = { code: error.code, message: error.message };
    this.#link.close(true);
    this.#timers.clearAll();
    for (const event of this.#model.finish(true)) this.#publishTranscript(event);
    this.#opts.source.stop().catch((e: unknown) => this.#log.warn('the audio source failed to stop', e));
    this.#setState('error');
    const journal = this.#journal;
    this.#journal = null;
    journal?.close().catch((e: unknown) => this.#log.warn('closing the journal failed', e));
    this.#startWaiter?.reject(new EarshotError(error.code, error.message));
    this.#startWaiter = null;
    this.#drainWaiter.done();
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
    this.#buffer.push(frame.samples, frame.captureTimeMs);
    this.#link.onFrame(t0, this.#opts.measureLatency ? this.latency.frameToSend : null);
    this.#publishBufferedNow();
  }

  /** A connection went live: streaming again (or for the first time); start() resolves. */
  #onLive(): void {
    if (this.#state === 'starting' || this.#state === 'reconnecting') this.#setState('streaming');
    else this.#publish();
    this.#startWaiter?.resolve();
    this.#startWaiter = null;
  }

  #onText(connection: number, text: ProviderText, receivedAt: number): void {
    // Finals of audio after a rotation's unfinished range wait for it (audio order, not arrival order).
    const events = this.#model.apply(connection, text, this.#link.holdsFinals(connection));
    for (const e of events) this.#publishTranscript(e);
    if (this.#opts.measureLatency && events.length > 0)
      this.latency.messageToEvent.push(performance.now() - receivedAt);
  }

  #publishTranscript(event: TranscriptEvent): void {
    // Journal first: a final the person saw must survive a crash that follows.
    if (event.isFinal) this.#journal?.appendFinal(event as Segment);
    this.emit('transcript', event);
  }

  #warn(code: ErrorCode, message: string): void {
    this.#log.warn(message, { code });
    if (!this.#warnings.add(code, message)) return;
    this.emit('warning', { code, message });
    this.#publish();
  }

  #clearWarnings(codes: readonly ErrorCode[]): void {
    this.#warnings.clear(codes);
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
