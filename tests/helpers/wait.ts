import type { EventEmitter } from 'node:events';

/**
 * The one way tests wait: on an event, or on a condition re-checked when something changes
 * (or every few milliseconds where nothing announces the change), always under a deadline
 * (`AbortSignal.timeout`) and failing with an Error that names what was awaited.
 *
 * ```ts
 * const [snapshot] = await waitForEvent(session, 'snapshot', { what: 'streaming', accept: (s) => s.state === 'streaming' });
 * await waitUntil(() => log.finals().length >= 2, { what: 'two finals', changes: (notify) => log.onChange(notify) });
 * await within(session.stop(), { what: 'the session to drain', timeoutMs: 30_000 });
 * ```
 */
export interface WaitOptions {
  /** What is awaited, as the error names it: "the session to stream". */
  readonly what: string;
  /** Default 10 s. */
  readonly timeoutMs?: number;
  /** Ends the wait early (the test tears down, the process under test is gone). */
  readonly signal?: AbortSignal;
}

export const DEFAULT_WAIT_MS = 10_000;
/** How often a condition nothing announces is checked again. */
const DEFAULT_INTERVAL_MS = 20;

type Settle<T> = (resolve: (value: T) => void, reject: (error: unknown) => void) => () => void;

/**
 * Runs `start` until it resolves or rejects, or the deadline passes; `start` returns what
 * undoes it (listeners off, timers cleared), which runs however the wait ends.
 */
function settleWithin<T>(options: WaitOptions, start: Settle<T>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let undo: (() => void) | null = null;
    const finish = (): void => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
      undo?.();
    };
    const onAbort = (): void => {
      if (settled) return;
      finish();
      reject(
        timeout.aborted
          ? new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}`)
          : new Error(`stopped waiting for ${options.what}: ${describe(options.signal?.reason)}`),
      );
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = start(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error) => {
        if (settled) return;
        finish();
        reject(error instanceof Error ? error : new Error(describe(error)));
      },
    );
    // `start` may have settled before it returned its cleanup.
    if (settled) cleanup();
    else undo = cleanup;
  });
}

/** Resolves with the arguments of the next `name` event on `emitter` that passes `accept`. */
export function waitForEvent<A extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  name: string,
  options: WaitOptions & { readonly accept?: (...args: A) => boolean },
): Promise<A> {
  return settleWithin<A>(options, (resolve) => {
    const listener = (...args: unknown[]): void => {
      if (!options.accept || options.accept(...(args as A))) resolve(args as A);
    };
    emitter.on(name, listener);
    return () => emitter.off(name, listener);
  });
}

export interface WaitUntilOptions extends WaitOptions {
  /**
   * Subscribes to whatever announces a change (returns the unsubscribe); the condition is
   * checked on each. Without it the condition is polled every `intervalMs`.
   */
  readonly changes?: (notify: () => void) => () => void;
  /** Poll interval when nothing announces changes (default 20 ms). */
  readonly intervalMs?: number;
}

/**
 * Resolves with the first truthy result of `check` (sync or async), checked at once and then
 * on every change. A `check` that throws ends the wait with its error (say: the process under
 * test exited, so the condition can never hold).
 */
export function waitUntil<T>(check: () => T | Promise<T>, options: WaitUntilOptions): Promise<NonNullable<T>> {
  return settleWithin<NonNullable<T>>(options, (resolve, reject) => {
    let done = false;
    let checking = false;
    let changedMeanwhile = false;
    let timer: NodeJS.Timeout | undefined;
    const run = async (): Promise<void> => {
      if (checking) {
        changedMeanwhile = true;
        return;
      }
      checking = true;
      try {
        do {
          changedMeanwhile = false;
          const value = await check();
          if (done) return;
          if (value) {
            resolve(value);
            return;
          }
        } while (changedMeanwhile);
      } finally {
        checking = false;
      }
      if (!options.changes && !done) timer = setTimeout(rerun, options.intervalMs ?? DEFAULT_INTERVAL_MS);
    };
    const rerun = (): void => {
      run().catch(reject);
    };
    const unsubscribe = options.changes?.(rerun);
    rerun();
    return () => {
      done = true;
      clearTimeout(timer);
      unsubscribe?.();
    };
  });
}

/** Bounds a promise: its outcome, or an Error naming what it was for once the deadline passes. */
export function within<T>(promise: Promise<T>, options: WaitOptions): Promise<T> {
  return settleWithin<T>(options, (resolve, reject) => {
    promise.then(resolve, reject);
    return () => {};
  });
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : (JSON.stringify(reason) ?? 'aborted');
}
