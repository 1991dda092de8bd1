import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createLogger } from '../platform/log/logger.ts';
import { EarshotError, isErrorCode } from '../shared/errors.ts';
import type { DecoderReply, DecoderRequest, DecoderWorkerData, ModelInfo } from './decoder-protocol.ts';
import type { RecognizerEvent, RecognizerSettings } from './recognizers/events.ts';

const log = createLogger('engine-decoders');

export interface DecoderPoolOptions {
  readonly modelDir: string;
  readonly vadModelPath: string | null;
  /** Decode threads; default: one per core (at most 4). */
  readonly workers?: number;
  /** Path of decode-worker (a bundler may move it). */
  readonly workerPath?: string | URL;
}

export interface DecoderListener {
  onEvents(events: readonly RecognizerEvent[]): void;
  /** The session's recognizer failed or its worker died; the session cannot go on. */
  onFailure(message: string): void;
}

/** One connection's handle on its recognizer session inside a worker. */
export interface DecoderSession {
  /** Input samples sent but not yet decoded: the connection's backlog. */
  readonly pendingSamples: number;
  append(pcm: Int16Array): void;
  commit(eventId: string | null): void;
  clear(): void;
  configure(settings: RecognizerSettings): void;
  close(): void;
}

interface WorkerSlot {
  worker: Worker;
  readonly sessions: Map<number, SessionState>;
  ready: boolean;
}

interface SessionState {
  readonly listener: DecoderListener;
  /** Input samples appended, modulo 2^32 (as the worker's count, so their difference is exact). */
  appended: number;
  /** The worker's count of input samples decoded (DecoderRequest 'open'). */
  readonly decoded: Int32Array;
}

/**
 * Decode worker threads, each holding the model once, with connections spread over them
 * (a new session goes to the worker with the fewest). A worker that dies fails only its own
 * sessions and is replaced.
 */
export class DecoderPool {
  readonly #options: DecoderPoolOptions;
  readonly #slots: WorkerSlot[] = [];
  #nextSid = 1;
  #closed = false;
  #model: ModelInfo | null = null;
  readonly #stopFlag = new SharedArrayBuffer(4);

  private constructor(options: DecoderPoolOptions) {
    this.#options = options;
  }

  static async start(options: DecoderPoolOptions): Promise<DecoderPool> {
    const pool = new DecoderPool(options);
    const count = options.workers ?? Math.min(4, Math.max(1, availableParallelism()));
    try {
      await Promise.all(Array.from({ length: count }, () => pool.#spawn()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get model(): ModelInfo {
    return this.#model!;
  }

  get sessionCount(): number {
    return this.#slots.reduce((n, s) => n + s.sessions.size, 0);
  }

  open(settings: RecognizerSettings, listener: DecoderListener): DecoderSession {
    const slot = this.#slots.filter((s) => s.ready).sort((a, b) => a.sessions.size - b.sessions.size)[0];
    if (!slot) throw new EarshotError('ENGINE_CRASHED', 'No decode worker is running; the engine is restarting them.');
    const sid = this.#nextSid++;
    const decoded = new SharedArrayBuffer(4);
    const state: SessionState = { listener, appended: 0, decoded: new Int32Array(decoded) };
    slot.sessions.set(sid, state);
    // Frames appended during one socket read go to the worker in one message (a flooding
    // client otherwise costs the socket thread a postMessage per 20 ms frame); any other
    // request posts them first, so the worker sees everything in the order it was sent.
    let batch: Int16Array[] = [];
    const flush = (): void => {
      if (batch.length === 0) return;
      const frames = batch;
      batch = [];
      if (!slot.sessions.has(sid)) return;
      slot.worker.postMessage(
        { type: 'audio', sid, frames, sentAt: performance.timeOrigin + performance.now() } satisfies DecoderRequest,
        frames.map((f) => f.buffer as ArrayBuffer),
      );
    };
    const send = (request: DecoderRequest): void => {
      flush();
      if (slot.sessions.has(sid)) slot.worker.postMessage(request);
    };
    send({ type: 'open', sid, settings, decoded });
    return {
      get pendingSamples() {
        return (state.appended - Atomics.load(state.decoded, 0)) | 0;
      },
      append: (pcm) => {
        state.appended = (state.appended + pcm.length) | 0;
        // Copy into a buffer of its own so the transfer cannot detach the caller's memory.
        batch.push(new Int16Array(pcm));
        // Microtasks run once the socket read that delivered this frame has been handled.
        if (batch.length === 1) queueMicrotask(flush);
      },
      commit: (eventId) => send({ type: 'commit', sid, eventId }),
      clear: () => send({ type: 'clear', sid }),
      configure: (next) => send({ type: 'configure', sid, settings: next }),
      close: () => {
        send({ type: 'close', sid });
        slot.sessions.delete(sid);
      },
    };
  }

  /** Asks every worker to exit between messages; terminates one only if it does not within `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.#closed = true;
    Atomics.store(new Int32Array(this.#stopFlag), 0, 1);
    const slots = this.#slots.splice(0);
    await Promise.all(
      slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              log.warn(`decode worker did not exit within ${timeoutMs} ms; terminating it`);
              void s.worker.terminate();
            }, timeoutMs);
            s.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            s.worker.postMessage({ type: 'shutdown' } satisfies DecoderRequest);
          }),
      ),
    );
  }

  #spawn(): Promise<void> {
    const data: DecoderWorkerData = {
      modelDir: this.#options.modelDir,
      vadModelPath: this.#options.vadModelPath,
      numThreads: 1,
      stopFlag: this.#stopFlag,
    };
    const worker = new Worker(this.#options.workerPath ?? new URL('./decode-worker.ts', import.meta.url), {
      workerData: data,
    });
    const slot: WorkerSlot = { worker, sessions: new Map(), ready: false };
    this.#slots.push(slot);
    return new Promise((resolve, reject) => {
      worker.on('message', (reply: DecoderReply) => {
        switch (reply.type) {
          case 'ready':
            slot.ready = true;
            this.#model = reply.model;
            log.debug(reply.threadPriority);
            resolve();
            return;
          case 'load_failed':
            reject(new EarshotError(isErrorCode(reply.code) ? reply.code : 'ENGINE_START_FAILED', reply.message));
            return;
          case 'events': {
            const state = slot.sessions.get(reply.sid);
            state?.listener.onEvents(reply.events);
            return;
          }
          case 'session_failed': {
            const state = slot.sessions.get(reply.sid);
            slot.sessions.delete(reply.sid);
            state?.listener.onFailure(reply.message);
            return;
          }
        }
      });
      worker.on('error', (error: Error) => {
        log.error(`decode worker failed: ${error.message}`, error);
        reject(new EarshotError('ENGINE_START_FAILED', `A decode worker could not start: ${error.message}`));
      });
      worker.on('exit', (code) => {
        const index = this.#slots.indexOf(slot);
        if (index >= 0) this.#slots.splice(index, 1);
        if (!this.#closed)
          for (const state of slot.sessions.values())
            state.listener.onFailure(`The decoder stopped (exit code ${code}).`);
        slot.sessions.clear();
        if (!this.#closed && slot.ready) {
          log.warn(`decode worker exited with code ${code}; starting a new one`);
          this.#spawn().catch((error: unknown) => log.error('replacement decode worker failed to start', error));
        }
      });
    });
  }
}
