import { EventEmitter } from 'node:events';
import type { EventChannel } from '../../src/shared/ipc/contract.ts';
import { waitUntil } from './wait.ts';

/**
 * What an app core told its front ends, in order (subscribe with `core.subscribe((e, p) =>
 * log.push(e, p))`), and a bounded wait until the events so far satisfy a condition.
 */
export class CoreEventLog {
  readonly events: { event: EventChannel; payload: unknown }[] = [];
  readonly #changes = new EventEmitter();

  push(event: EventChannel, payload: unknown): void {
    this.events.push({ event, payload });
    this.#changes.emit('change');
  }

  of<T>(event: EventChannel): T[] {
    return this.events.filter((e) => e.event === event).map((e) => e.payload as T);
  }

  async waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    await waitUntil(predicate, {
      what,
      timeoutMs,
      changes: (notify) => {
        this.#changes.on('change', notify);
        return () => this.#changes.off('change', notify);
      },
    });
  }
}
