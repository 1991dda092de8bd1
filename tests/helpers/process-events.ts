import type { EventEmitter } from 'node:events';
import { waitForEvent, waitUntil } from './wait.ts';

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
  return waitForEvent<A>(emitter, event, {
    what,
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.accept ? { accept: options.accept } : {}),
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

/** Waits until `pid` is gone, polling at most `timeoutMs` (nothing announces another process's exit). */
export async function waitForExit(pid: number, what: string, timeoutMs = 5000): Promise<void> {
  await waitUntil(() => !isAlive(pid), { what: `${what} (pid ${pid}) to exit`, timeoutMs });
}
