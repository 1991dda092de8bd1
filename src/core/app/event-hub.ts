import type { EventChannel, EventPayload } from '../../shared/ipc/contract.ts';
import type { EventSink } from '../ipc/handlers.ts';
import { createLogger } from '../../platform/log/logger.ts';

const log = createLogger('event-hub');

/**
 * Fans events out to every front end (the Electron window, web bridge clients, the tray)
 * and remembers the latest value of "state" events, so a front end that subscribes late
 * starts from the truth instead of waiting for the next change.
 */
export class EventHub {
  readonly #sinks = new Set<EventSink>();
  readonly #latest = new Map<EventChannel, unknown>();
  static readonly #sticky: ReadonlySet<EventChannel> = new Set<EventChannel>([
    'status',
    'devicesChanged',
    'models',
    'captions',
    'settings',
    'history',
  ]);

  subscribe(sink: EventSink): () => void {
    this.#sinks.add(sink);
    for (const [event, payload] of this.#latest) this.#deliver(sink, event, payload);
    return () => {
      this.#sinks.delete(sink);
    };
  }

  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
    if (EventHub.#sticky.has(event)) this.#latest.set(event, payload);
    for (const sink of this.#sinks) this.#deliver(sink, event, payload);
  }

  latest<E extends EventChannel>(event: E): EventPayload<E> | undefined {
    return this.#latest.get(event) as EventPayload<E> | undefined;
  }

  /** One broken front end must not stop the others from hearing about the session. */
  #deliver(sink: EventSink, event: EventChannel, payload: unknown): void {
    try {
      sink(event, payload as never);
    } catch (error) {
      log.error(`a subscriber threw on "${event}"`, error);
    }
  }
}
