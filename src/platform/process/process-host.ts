import { EventEmitter } from 'node:events';
import { parseChildEnvelope, SHUTDOWN_ENVELOPE, toChild, type ChildControl } from '../../shared/process-envelope.ts';
import { backoffDelay } from '../backoff.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { byLine } from './by-line.ts';
import type { ChildHandle, SpawnChild, SpawnOptions } from './types.ts';

export type ProcessState = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface CrashReport {
  readonly name: string;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: string | null;
  /** Why, as best known: the child's own fatal error, else its last stderr, else the exit status. */
  readonly reason: string;
  readonly willRestart: boolean;
  readonly attempt: number;
}

export interface ProcessHostOptions extends SpawnOptions {
  readonly spawn: SpawnChild;
  /** How long the child has to say `ready`. */
  readonly readyTimeoutMs?: number;
  /** Restarts allowed before giving up (reset after the child stays up for `stableMs`). */
  readonly maxRestarts?: number;
  /** Restart delays: doubling from `backoffBaseMs` up to `backoffMaxMs`, each ±20% (see backoff.ts). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly stableMs?: number;
}

interface HostEvents<In> {
  message: [In];
  state: [ProcessState];
  crash: [CrashReport];
  ready: [];
}

/**
 * An owned child process: spawn, wait for `ready`, forward its log lines, restart it with
 * exponential backoff when it crashes (logging why), and stop it cleanly (ask, wait, kill).
 * `In` is what the child sends; `Out` is what the parent sends. Both travel inside the process
 * envelope (src/shared/process-envelope.ts), beside the host's own control words.
 */
export class ProcessHost<In, Out> extends EventEmitter<HostEvents<In>> {
  #state: ProcessState = 'idle';
  #child: ChildHandle | null = null;
  #restarts = 0;
  #stableTimer: NodeJS.Timeout | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #lastFatal: string | null = null;
  #stderrTail = '';
  readonly #options: Required<Omit<ProcessHostOptions, 'args' | 'env'>> & Pick<ProcessHostOptions, 'args' | 'env'>;
  readonly #log: Logger;

  constructor(options: ProcessHostOptions) {
    super();
    this.#options = {
      readyTimeoutMs: 15_000,
      maxRestarts: 5,
      backoffBaseMs: 250,
      backoffMaxMs: 10_000,
      stableMs: 30_000,
      ...options,
    };
    this.#log = createLogger(`${options.name}-host`);
  }

  get state(): ProcessState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the child and resolves once it reported ready. */
  async start(): Promise<void> {
    if (this.#state === 'ready') return;
    if (this.#state === 'starting' || this.#state === 'restarting') return this.#waitReady();
    this.#restarts = 0;
    this.#spawn();
    return this.#waitReady();
  }

  send(message: Out): void {
    if (!this.#child) throw new Error(`${this.#options.name} process is not running`);
    this.#child.postMessage(toChild(message));
  }

  /** Asks the child to exit, waits up to `timeoutMs`, then kills it. */
  async stop(timeoutMs = 3000): Promise<void> {
    this.#clearTimers();
    const child = this.#child;
    if (!child) {
      this.#setState('stopped');
      return;
    }
    this.#setState('stopping');
    const exited = new Promise<void>((resolve) => child.onExit(() => resolve()));
    child.postMessage(SHUTDOWN_ENVELOPE);
    const timer = setTimeout(() => {
      this.#log.warn(`pid ${child.pid} did not exit within ${timeoutMs} ms; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  #spawn(): void {
    this.#setState(this.#restarts === 0 ? 'starting' : 'restarting');
    this.#lastFatal = null;
    this.#stderrTail = '';
    const child = this.#options.spawn(this.#options);
    this.#child = child;
    this.#log.info(`started pid ${child.pid}`);
    child.onMessage((message) => this.#onMessage(child, message));
    child.onStderr((text) => {
      this.#stderrTail = (this.#stderrTail + text).slice(-2000);
      for (const line of text.split('\n')) if (line.trim()) this.#log.warn(`pid ${child.pid} stderr: ${line}`);
    });
    // Whatever a child prints on stdout (native banners) is kept out of the parent's stdout and
    // logged, at debug level: it is chatter, never the child's protocol.
    child.onStdout?.(byLine((line) => this.#log.debug(`pid ${child.pid} stdout: ${line}`)));
    child.onExit((code, signal) => this.#onExit(child, code, signal));
  }

  #onMessage(child: ChildHandle, raw: unknown): void {
    if (child !== this.#child) return;
    const envelope = parseChildEnvelope(raw);
    if (!envelope) this.#log.warn(`pid ${child.pid} sent a message outside the process envelope; dropped`, raw);
    else if ('control' in envelope) this.#onControl(child, envelope.control);
    else this.emit('message', envelope.message as In);
  }

  #onControl(child: ChildHandle, control: ChildControl): void {
    switch (control.type) {
      case 'ready':
        this.#setState('ready');
        this.#stableTimer = setTimeout(() => (this.#restarts = 0), this.#options.stableMs);
        this.#stableTimer.unref();
        this.emit('ready');
        return;
      case 'log':
        this.#log[control.level](`pid ${child.pid}: ${control.message}`, control.data);
        return;
      case 'fatal':
        this.#lastFatal = `${control.error.name}: ${control.error.message}`;
        this.#log.error(`pid ${child.pid} fatal: ${this.#lastFatal}`, control.error.stack);
        return;
    }
  }

  #onExit(child: ChildHandle, code: number | null, signal: string | null): void {
    if (child !== this.#child) return;
    this.#child = null;
    this.#clearTimers();
    if (this.#state === 'stopping') {
      this.#log.info(`pid ${child.pid} exited (code ${code}, signal ${signal})`);
      this.#setState('stopped');
      return;
    }
    const attempt = this.#restarts + 1;
    const willRestart = attempt <= this.#options.maxRestarts;
    const reason =
      this.#lastFatal ??
      (this.#stderrTail.trim().split('\n').pop() || (signal ? `killed by ${signal}` : `exited with code ${code}`));
    const report: CrashReport = {
      name: this.#options.name,
      pid: child.pid,
      code,
      signal,
      reason,
      willRestart,
      attempt,
    };
    this.#log.error(`pid ${child.pid} crashed: ${reason}${willRestart ? `; restart ${attempt}` : '; giving up'}`);
    this.emit('crash', report);
    if (!willRestart) {
      this.#setState('failed');
      return;
    }
    this.#restarts = attempt;
    const delay = backoffDelay(attempt, {
      baseMs: this.#options.backoffBaseMs,
      maxMs: this.#options.backoffMaxMs,
      jitter: 'spread',
    });
    this.#setState('restarting');
    this.#restartTimer = setTimeout(() => this.#spawn(), delay);
  }

  #waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onState = (state: ProcessState): void => {
        if (state === 'ready') done(null);
        else if (state === 'failed' || state === 'stopped')
          done(new Error(`${this.#options.name} process ${state} before it was ready`));
      };
      const onCrash = (report: CrashReport): void => {
        if (!report.willRestart) done(new Error(`${this.#options.name} process failed: ${report.reason}`));
      };
      const timer = setTimeout(
        () => done(new Error(`${this.#options.name} process was not ready within ${this.#options.readyTimeoutMs} ms`)),
        this.#options.readyTimeoutMs,
      );
      const done = (error: Error | null): void => {
        clearTimeout(timer);
        this.off('state', onState);
        this.off('crash', onCrash);
        if (error) reject(error);
        else resolve();
      };
      this.on('state', onState);
      this.on('crash', onCrash);
    });
  }

  #setState(state: ProcessState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #clearTimers(): void {
    if (this.#stableTimer) clearTimeout(this.#stableTimer);
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#stableTimer = this.#restartTimer = null;
  }
}
