import type { ProviderConnection } from './connection.ts';
import type { ReplayBuffer } from './replay-buffer.ts';

/**
 * Moves buffered audio onto a connection. A connection's `next` is the first session sample
 * it has not had; everything from there to the end of the buffer goes out in capture order,
 * so a fresh connection replays the unaccounted audio and a live one just gets the new frame.
 */
export class AudioOut {
  readonly #buffer: () => ReplayBuffer;
  #lastAudioSentAt = 0;

  /** `buffer`: the current run's replay buffer (a new one per start()). */
  constructor(buffer: () => ReplayBuffer) {
    this.#buffer = buffer;
  }

  /** Sends every captured sample the connection has not had yet. */
  sendPending(conn: ProviderConnection): void {
    for (const chunk of this.#buffer().from(conn.next)) {
      conn.sendAll(conn.stream.encodeAudio(chunk.samples));
      conn.next = chunk.start + chunk.samples.length;
      this.#lastAudioSentAt = performance.now();
    }
  }

  /** Sends what is pending, then asks the service to finish and end the stream (once). */
  sendEnd(conn: ProviderConnection): void {
    if (conn.endSent) return;
    this.sendPending(conn);
    conn.sendAll(conn.stream.end());
    conn.endSent = true;
  }

  /** Services that close idle sockets (Deepgram after 10 s) get their keepalive when no audio flowed for `afterMs`. */
  keepAlive(conn: ProviderConnection | null, afterMs: number): void {
    if (!conn?.live || conn.endSent || performance.now() - this.#lastAudioSentAt < afterMs) return;
    const message = conn.stream.keepAlive();
    if (message !== null) conn.send(message);
    this.#lastAudioSentAt = performance.now();
  }
}
