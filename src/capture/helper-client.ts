import {
  endsHelper,
  type HelperMessage,
  type HelperNotice,
  type HelperRequestBody,
} from '../shared/capture-protocol.ts';

export type HelperSpec =
  { readonly mode: 'probe'; readonly key: string | null } | { readonly mode: 'watch'; readonly key: string };

export interface HelperListener {
  /** What the helper said (relayed by the parent). */
  message(message: HelperMessage): void;
  /** The helper ended without a final message (crashed, could not start); `detail` says why. */
  exit(detail: string): void;
}

export interface HelperLease {
  /** Ends the helper; nothing more is heard from it. */
  stop(): void;
}

/**
 * The capture process's way to run helper processes (device probes, presence watchers): it
 * asks its parent, which starts them with the spawner it started this process with (see the
 * protocol notes in src/shared/capture-protocol.ts). A utility process cannot fork, and the
 * packaged app cannot run as plain Node, so the capture process never spawns anything itself.
 */
export class HelperClient {
  readonly #post: (request: HelperRequestBody) => void;
  readonly #live = new Map<number, HelperListener>();
  #nextId = 1;

  constructor(post: (request: HelperRequestBody) => void) {
    this.#post = post;
  }

  /** Helpers asked for and not yet ended. */
  get running(): number {
    return this.#live.size;
  }

  start(spec: HelperSpec, listener: HelperListener): HelperLease {
    const id = this.#nextId++;
    this.#live.set(id, listener);
    this.#post({ type: 'spawn-helper', id, ...spec });
    return {
      stop: () => {
        if (this.#live.delete(id)) this.#post({ type: 'stop-helper', id });
      },
    };
  }

  /** A notice from the parent about one of our helpers. */
  deliver(notice: HelperNotice): void {
    const listener = this.#live.get(notice.id);
    if (!listener) return;
    if (notice.type === 'helper-exit') {
      this.#live.delete(notice.id);
      listener.exit(notice.detail);
      return;
    }
    // The parent stops a helper after its final message: no exit to report after that.
    if (endsHelper(notice.message)) this.#live.delete(notice.id);
    listener.message(notice.message);
  }

  /** Stops every helper (the capture process is shutting down). */
  dispose(): void {
    for (const id of [...this.#live.keys()]) {
      this.#live.delete(id);
      this.#post({ type: 'stop-helper', id });
    }
  }
}
