import {
  CAPTURE_PROTOCOL_VERSION,
  type CaptureParentMessage,
  type HelperRequest,
} from '../../shared/capture-protocol.ts';
import type { ProcessHost } from '../../platform/process/process-host.ts';
import { HelperPool, type HelperPoolOptions } from './helper-pool.ts';

/**
 * The capture process's side door to helper processes (see the protocol notes in
 * src/shared/capture-protocol.ts): starts and stops them on its requests, relays what they say
 * back to it, and ends them all when it exits — helpers never outlive the process that asked.
 */
export class HelperRelay {
  readonly #pool: HelperPool;

  constructor(
    capture: ProcessHost<unknown, CaptureParentMessage>,
    options: Omit<HelperPoolOptions, 'notify' | 'stopTimeoutMs'>,
  ) {
    this.#pool = new HelperPool({
      ...options,
      notify: (notice) => {
        // A notice for a capture process that just exited has nobody to go to (stopAll follows).
        if (capture.pid === undefined) return;
        capture.send({ ...notice, v: CAPTURE_PROTOCOL_VERSION });
      },
    });
    capture.on('crash', () => this.#pool.stopAll());
    capture.on('state', (state) => {
      if (state === 'stopped' || state === 'failed') this.#pool.stopAll();
    });
  }

  /** Pids of the helpers running now. */
  get pids(): number[] {
    return this.#pool.pids;
  }

  handle(request: HelperRequest): void {
    switch (request.type) {
      case 'spawn-helper':
        this.#pool.spawn(request);
        return;
      case 'stop-helper':
        this.#pool.stop(request.id);
        return;
    }
  }
}
