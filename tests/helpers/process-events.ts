import type { EventEmitter } from 'node:events';

/**
 * Resolves with the arguments of the next `event` on `emitter` that passes `accept`, or rejects
 * after `timeoutMs` saying what it waited for. Tests wait on events like this, never on sleeps.
 */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  what: string,
  options: { timeoutMs?: number; accept?: (...args: A) => boolean } = {},
): Promise<A> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]): void => {
      if (options.accept && !options.accept(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** True while a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until `pid` is gone, polling at most `timeoutMs`. */
export async function waitForExit(pid: number, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (pid ${pid}) to exit`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
