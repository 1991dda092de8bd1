import type { HelperClient, HelperLease } from './helper-client.ts';

/**
 * A helper process (`--watch <key>`, see probe-main.ts) that reports when the open device can
 * no longer be opened (see needsPresenceProbe for which devices need this), started through
 * the parent. One per watched device.
 */
export class PresenceWatch {
  readonly key: string;
  readonly #lease: HelperLease;
  #ended = false;

  constructor(helpers: HelperClient, key: string, onGone: () => void, onExit: (detail: string) => void) {
    this.key = key;
    this.#lease = helpers.start(
      { mode: 'watch', key },
      {
        message: (message) => {
          if (message.type !== 'watch-gone' || this.#ended) return;
          this.#ended = true;
          onGone();
        },
        exit: (detail) => {
          if (this.#ended) return;
          this.#ended = true;
          onExit(`ended (${detail})`);
        },
      },
    );
  }

  stop(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#lease.stop();
  }
}
