import { EventEmitter } from 'node:events';
import { EarshotError, type ErrorCode } from '../../shared/errors.ts';
import type { SessionSnapshot, SessionState } from '../../shared/session.ts';
import type { Segment, TranscriptSnapshot } from '../../shared/transcript.ts';
import type { AudioFrame } from '../../shared/audio-frame.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { createProvider } from '../providers/index.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import type { ProviderText } from '../transcript/transcript-model.ts';
import { spillSetup } from './buffer-bound.ts';
import { LinkState } from './link-state.ts';
import { openSessionJournal } from './session-journal.ts';
import { ServiceLink } from './service-link.ts';
import {
  newSessionId,
  resolveSessionOptions,
  type ResolvedSessionOptions,
  type SessionOptions,
} from './session-options.ts';
import { SessionPublisher } from './session-publisher.ts';
import { SessionStop } from './session-stop.ts';
import { SessionTimers } from './session-timers.ts';
import type { SessionEvents, SessionLatency, SessionStats } from './session-types.ts';
import { speakerStamp } from './speaker-stamp.ts';
import { TranscriptOutput } from './transcript-output.ts';
import { openWebSocket } from './websocket-transport.ts';

export type { SessionOptions } from './session-options.ts';
export type { SessionEvents, SessionLatency, SessionStats } from './session-types.ts';
export type { SessionWarning } from './session-warnings.ts';

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
 *
 * What the session and its link share (lifecycle, buffer, connections) is one LinkState,
 * owned here and handed to the link; the link reports back through its listener. How a run
 * ends (drain, quit deadline, teardown) is session-stop.ts; snapshots and warnings go out
 * through session-publisher.ts.
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly provider: ProviderAdapter;
  readonly stats: SessionStats;
  readonly latency: SessionLatency = { frameToSend: [], messageToEvent: [] };
  readonly #opts: SessionOptions;
  readonly #o: ResolvedSessionOptions;
  readonly #log = createLogger('session');
  readonly #timers = new SessionTimers();
  readonly #publisher = new SessionPublisher(
    () => this.snapshot,
    { snapshot: (s) => this.emit('snapshot', s), warning: (w) => this.emit('warning', w) },
    this.#log,
  );
  readonly #linkState: LinkState;
  readonly #link: ServiceLink;
  readonly #stop: SessionStop;
  #sessionId: string | null = null;
  #runs = 0;
  #startedAt: number | null = null;
  #error: { code: string; message: string } | null = null;
  readonly #output: TranscriptOutput;
  #startWaiter: { resolve: () => void; reject: (error: Error) => void } | null = null;
  #startPromise: Promise<SessionSnapshot> | null = null;
  #stopPromise: Promise<SessionSnapshot> | null = null;

  constructor(options: SessionOptions) {
    super();
    this.#opts = options;
    this.#o = resolveSessionOptions(options);
    this.#output = new TranscriptOutput((event) => this.emit('transcript', event), speakerStamp(options));
    this.provider = 'createStream' in options.provider ? options.provider : createProvider(options.provider);
    this.#linkState = new LinkState(this.provider.sampleRate);
    this.stats = this.#linkState.stats;
    const setup = {
      provider: this.provider,
      options: this.#o,
      openTransport: options.openTransport ?? openWebSocket,
      timers: this.#timers,
      log: this.#log,
      spill: spillSetup(options, () => this.#sessionId ?? newSessionId()),
    };
    this.#link = new ServiceLink(
      this.#linkState,
      setup,
      {
        live: () => this.#onLive(),
        reconnecting: () =>
          this.#linkState.lifecycle === 'stopping' ? this.#publisher.publish() : this.#setState('reconnecting'),
        transcript: (connection, text, receivedAt) => this.#onText(connection, text, receivedAt),
        warn: (code, message) => this.#publisher.warn(code, message),
        clearWarnings: (codes) => this.#publisher.clearWarnings(codes),
        fail: (error) => this.#fail(error),
        orphan: (connection, heir) => this.#output.orphan(connection, heir),
        releaseFinals: () => this.#output.releaseHeld(),
        settled: () => {
          this.#stop.checkDrained();
          this.#publisher.publishBuffered(this.#linkState.buffer.bufferedMs);
        },
      },
      options.failover,
    );
    this.#stop = new SessionStop({
      state: this.#linkState,
      link: this.#link,
      timers: this.#timers,
      output: this.#output,
      source: options.source,
      log: this.#log,
      providerLabel: this.provider.label,
      drainTimeoutMs: this.#o.drainTimeoutMs,
      warn: (code, message) => this.#publisher.warn(code, message),
    });
  }

  get state(): SessionState {
    return this.#linkState.lifecycle;
  }

  get snapshot(): SessionSnapshot {
    return {
      state: this.state,
      sessionId: this.#sessionId,
      provider: this.provider.id,
      deviceKey: this.#opts.deviceKey ?? null,
      deviceName: this.#opts.deviceName ?? null,
      startedAt: this.#startedAt,
      reconnectAttempt: this.#linkState.attempt,
      bufferedMs: Math.round(this.#linkState.buffer.bufferedMs),
      error: this.#error,
      warnings: [...this.#publisher.warnings],
      offlineSince: this.#linkState.offlineSince,
      spilledMs: Math.round(this.#linkState.buffer.spilledMs),
      servingProvider: this.#link.servingProvider,
    };
  }

  /**
   * The network came back or the computer woke (main calls this; tests too): a reconnect
   * waiting out its backoff is tried at once. Does nothing while connected or idle.
   */
  retryNow(): void {
    if (this.#link.retryNow()) this.#publisher.publish();
  }

  /** The current transcript (finals so far and the newest partial). */
  get transcript(): TranscriptSnapshot {
    return this.#output.snapshot(this.#sessionId);
  }

  get segments(): readonly Segment[] {
    return this.#output.segments;
  }

  /** Where this run's journal is (also after it stopped), if any. */
  get journalPath(): string | null {
    return this.#output.journalPath;
  }

  async start(): Promise<SessionSnapshot> {
    if (this.state === 'starting' && this.#startPromise) return this.#startPromise;
    if (this.state === 'streaming' || this.state === 'reconnecting') return this.snapshot;
    if (this.state === 'stopping' && this.#stopPromise) await this.#stopPromise;
    this.#startPromise = this.#run();
    return this.#startPromise;
  }

  async stop(): Promise<SessionSnapshot> {
    if (this.state === 'idle') return this.snapshot;
    if (this.state === 'stopping' && this.#stopPromise) return this.#stopPromise;
    if (this.state === 'error') {
      this.#setState('idle');
      return this.snapshot;
    }
    this.#stopPromise = this.#drain();
    return this.#stopPromise;
  }

  /**
   * Quitting: stop() that is over by `deadline` (a Date.now() time) whatever the service does,
   * also when a stop is already draining. Finals that arrive before it are kept as always; the
   * partials still on screen then become finals marked `promoted` in the journal, which is sealed.
   */
  async finishBy(deadline: number): Promise<SessionSnapshot> {
    if (this.state !== 'idle' && this.state !== 'error') this.#stop.finishBy(deadline);
    return this.stop();
  }

  async #run(): Promise<SessionSnapshot> {
    this.#runs += 1;
    this.#sessionId = this.#runs === 1 && this.#opts.sessionId ? this.#opts.sessionId : newSessionId();
    this.#startedAt = Date.now();
    this.#error = null;
    this.#publisher.resetWarnings();
    this.#linkState.startRun();
    const journal = openSessionJournal(
      this.#opts,
      { sessionId: this.#sessionId, startedAt: this.#startedAt, provider: this.provider },
      {
        onWarning: (w) => this.#publisher.warn(w.code, w.message),
        onRecovered: () => this.#publisher.clearWarnings(['STORAGE_FULL', 'STORAGE_READ_ONLY', 'STORAGE_FAILED']),
      },
    );
    this.#output.begin(journal);
    const ready = new Promise<void>((resolve, reject) => {
      this.#startWaiter = { resolve, reject };
    });
    // start() reports the failure; this only keeps the rejection from counting as unhandled.
    ready.catch((error: unknown) => this.#log.debug('start aborted', error));
    this.#setState('starting');
    this.#link.start();
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
    if (!(await this.#stop.drain())) return this.snapshot; // failed while draining
    this.#setState('idle');
    // Stopped before the service ever answered: start() resolves with the idle snapshot.
    this.#startWaiter?.resolve();
    this.#startWaiter = null;
    return this.snapshot;
  }

  #fail(error: { code: ErrorCode; message: string }): void {
    if (!this.#linkState.active) return;
    this.#log.error('session failed', error);
    this.#error = { code: error.code, message: error.message };
    this.#stop.teardown(true);
    this.#output.finish(true);
    this.#opts.source.stop().catch((e: unknown) => this.#log.warn('the audio source failed to stop', e));
    this.#setState('error');
    this.#output.dropJournal((e) => this.#log.warn('closing the journal failed', e));
    this.#startWaiter?.reject(new EarshotError(error.code, error.message));
    this.#startWaiter = null;
  }

  #onFrame(frame: AudioFrame): void {
    if (!this.#linkState.active) return;
    const t0 = this.#opts.measureLatency ? performance.now() : 0;
    if (frame.sampleRate !== this.provider.sampleRate) {
      this.#fail({
        code: 'INTERNAL',
        message: `The audio source produces ${frame.sampleRate} Hz but ${this.provider.label} needs ${this.provider.sampleRate} Hz.`,
      });
      return;
    }
    this.#linkState.buffer.push(frame.samples, frame.captureTimeMs);
    this.#link.onFrame(t0, this.#opts.measureLatency ? this.latency.frameToSend : null);
    this.#publisher.publishBuffered(this.#linkState.buffer.bufferedMs);
  }

  /** A connection went live: streaming again (or for the first time); start() resolves. */
  #onLive(): void {
    if (this.state === 'starting' || this.state === 'reconnecting') this.#setState('streaming');
    else this.#publisher.publish();
    this.#startWaiter?.resolve();
    this.#startWaiter = null;
  }

  #onText(connection: number, text: ProviderText, receivedAt: number): void {
    // Finals of audio after a rotation's unfinished range wait for it (audio order, not arrival order).
    const published = this.#output.apply(connection, text, this.#linkState.holdsFinals(connection));
    if (this.#opts.measureLatency && published > 0) this.latency.messageToEvent.push(performance.now() - receivedAt);
  }

  #setState(state: SessionState): void {
    if (this.#linkState.lifecycle === state) return;
    this.#linkState.lifecycle = state;
    this.#output.appendState(state);
    this.#publisher.publish();
  }
}
