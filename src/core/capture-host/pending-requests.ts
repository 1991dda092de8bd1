import type { CaptureMessage } from '../../shared/capture-protocol.ts';
import { EarshotError } from '../../shared/errors.ts';

type Reply = Extract<CaptureMessage, { type: 'reply' }>;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The capture requests still waiting for their reply: each numbered, each failing on its own
 * when the capture process does not answer in time, all failing at once when it goes away.
 */
export class PendingRequests {
  readonly #pending = new Map<number, Pending>();
  readonly #timeoutMs: number;
  #nextId = 1;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Numbers a request and hands the number to `send`; settles with the reply to that number.
   * `what` names the request in the timeout message.
   */
  open<T>(what: string, send: (id: number) => void): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new EarshotError(
            'DEVICE_OPEN_FAILED',
            `The audio system did not answer within ${this.#timeoutMs / 1000} s (${what}). Try again, or restart Earshot.`,
          ),
        );
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      send(id);
    });
  }

  /** Settles the request a reply answers; a reply nobody waits for (timed out) is dropped. */
  settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(new EarshotError(reply.error.code, reply.error.message));
  }

  rejectAll(error: Error): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.#pending.delete(id);
    }
  }
}
