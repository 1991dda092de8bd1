import {
  endsHelper,
  helperMessageSchema,
  type HelperMode,
  type HelperNoticeBody,
  type SpawnHelperRequest,
} from '../../shared/capture-protocol.ts';
import { parseChildEnvelope, SHUTDOWN_ENVELOPE, type ChildControl } from '../../shared/process-envelope.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { byLine } from '../../platform/process/by-line.ts';
import type { ChildHandle, SpawnChild } from '../../platform/process/types.ts';
import { helperArgs } from '../../shared/capture-helper-args.ts';

/** A helper process that ended, for measurements (bench/suites/capture.ts) and logs. */
export interface HelperExit {
  readonly id: number;
  readonly pid: number | undefined;
  readonly mode: HelperMode;
  readonly code: number | null;
  readonly signal: string | null;
  /** The helper's own CPU time as it last reported it (with its final message), else null. */
  readonly cpuMs: number | null;
}

export interface HelperPoolOptions {
  /** The spawner CaptureHost starts the capture process with (utility process or Node fork). */
  readonly spawn: SpawnChild;
  /** The capture entry; helpers are the same module with `--probe` / `--watch`. */
  readonly modulePath: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Delivers a notice to the capture process that asked for the helper. */
  readonly notify: (notice: HelperNoticeBody) => void;
  readonly onExit?: (exit: HelperExit) => void;
  /** How long a helper asked to stop may take before it is killed (default 1 s). */
  readonly stopTimeoutMs?: number;
}

interface Helper {
  readonly id: number;
  readonly mode: HelperMode;
  readonly child: ChildHandle;
  stopping: boolean;
  /** Its capture process is gone: nobody to tell, nothing to wait for. */
  orphaned: boolean;
  killTimer: NodeJS.Timeout | null;
  cpuMs: number | null;
  fatal: string | null;
  lastStderr: string;
}

/**
 * The helper processes of one CaptureHost, started on the capture process's behalf (see the
 * protocol notes in src/shared/capture-protocol.ts). Each speaks to this pool over its own
 * IPC channel; what it says is validated here and relayed, and it is stopped after its last
 * message, when asked, or — with every other helper — when the capture process exits.
 */
export class HelperPool {
  readonly #options: HelperPoolOptions;
  readonly #helpers = new Map<number, Helper>();
  readonly #log = createLogger('capture-helpers');

  constructor(options: HelperPoolOptions) {
    this.#options = options;
  }

  /** Pids of the helpers running now. */
  get pids(): number[] {
    return [...this.#helpers.values()].flatMap((h) => (h.child.pid === undefined ? [] : [h.child.pid]));
  }

  spawn(request: SpawnHelperRequest): void {
    const { id, mode } = request;
    if (this.#helpers.has(id)) {
      this.#log.warn(`helper ${id} is already running; a second spawn request for it was ignored`);
      return;
    }
    let child: ChildHandle;
    try {
      child = this.#options.spawn({
        name: `capture-${mode}`,
        modulePath: this.#options.modulePath,
        args: helperArgs(mode, request.key),
        ...(this.#options.env ? { env: this.#options.env } : {}),
      });
    } catch (error) {
      const detail = `could not start: ${(error as Error).message}`;
      this.#log.warn(`${mode} helper ${id} ${detail}`);
      this.#options.notify({ type: 'helper-exit', id, code: null, signal: null, detail });
      return;
    }
    const helper: Helper = {
      id,
      mode,
      child,
      stopping: false,
      orphaned: false,
      killTimer: null,
      cpuMs: null,
      fatal: null,
      lastStderr: '',
    };
    this.#helpers.set(id, helper);
    this.#log.debug(`${mode} helper ${id} started as pid ${child.pid}${request.key ? ` for ${request.key}` : ''}`);
    child.onMessage((message) => this.#onMessage(helper, message));
    child.onStderr(
      byLine((line) => {
        helper.lastStderr = line;
        this.#log.debug(`${mode} helper pid ${child.pid} stderr: ${line}`);
      }),
    );
    child.onStdout?.(byLine((line) => this.#log.debug(`${mode} helper pid ${child.pid} stdout: ${line}`)));
    child.onExit((code, signal) => this.#onExit(helper, code, signal));
  }

  /** Asks helper `id` to exit; kills it if it has not within the stop timeout. */
  stop(id: number): void {
    const helper = this.#helpers.get(id);
    if (!helper || helper.stopping) return;
    helper.stopping = true;
    helper.child.postMessage(SHUTDOWN_ENVELOPE);
    helper.killTimer = setTimeout(() => {
      this.#log.warn(`${helper.mode} helper pid ${helper.child.pid} did not stop when asked; killing it`);
      helper.child.kill('SIGKILL');
    }, this.#options.stopTimeoutMs ?? 1000);
    // Never what keeps the parent alive: should it exit, the helper sees its channel close and goes.
    helper.killTimer.unref();
  }

  /** The capture process is gone: end every helper now, telling nobody. */
  stopAll(): void {
    for (const helper of this.#helpers.values()) {
      if (helper.orphaned) continue;
      helper.orphaned = true;
      helper.stopping = true;
      if (helper.killTimer) clearTimeout(helper.killTimer);
      this.#log.debug(`stopping ${helper.mode} helper pid ${helper.child.pid}: its capture process exited`);
      helper.child.kill('SIGKILL');
    }
  }

  #onMessage(helper: Helper, raw: unknown): void {
    const where = `${helper.mode} helper pid ${helper.child.pid}`;
    const envelope = parseChildEnvelope(raw);
    if (!envelope) {
      this.#log.warn(`${where} sent a message outside the process envelope; dropped`, raw);
      return;
    }
    if ('control' in envelope) {
      this.#onControl(helper, where, envelope.control);
      return;
    }
    if (helper.orphaned || helper.stopping) return;
    const parsed = helperMessageSchema.safeParse(envelope.message);
    if (!parsed.success) {
      this.#log.warn(`${where} sent a message the helper protocol does not allow; dropped`, envelope.message);
      return;
    }
    const message = parsed.data;
    if ('cpuMs' in message) helper.cpuMs = message.cpuMs;
    this.#options.notify({ type: 'helper-message', id: helper.id, message });
    if (endsHelper(message)) this.stop(helper.id);
  }

  #onControl(helper: Helper, where: string, control: ChildControl): void {
    switch (control.type) {
      case 'log':
        this.#log[control.level](`${where}: ${control.message}`, control.data);
        return;
      case 'ready':
        return; // helpers need no handshake; ignore one if sent
      case 'fatal':
        helper.fatal = `${control.error.name}: ${control.error.message}`;
        this.#log.warn(`${where} failed: ${helper.fatal}`);
        return;
    }
  }

  #onExit(helper: Helper, code: number | null, signal: string | null): void {
    this.#helpers.delete(helper.id);
    if (helper.killTimer) clearTimeout(helper.killTimer);
    this.#options.onExit?.({
      id: helper.id,
      pid: helper.child.pid,
      mode: helper.mode,
      code,
      signal,
      cpuMs: helper.cpuMs,
    });
    if (helper.orphaned) return;
    const detail = helper.stopping
      ? 'stopped'
      : (helper.fatal ?? (helper.lastStderr || (signal ? `killed by ${signal}` : `exited with code ${code}`)));
    if (!helper.stopping) this.#log.warn(`${helper.mode} helper pid ${helper.child.pid} ended by itself: ${detail}`);
    this.#options.notify({ type: 'helper-exit', id: helper.id, code, signal, detail });
  }
}
