import type { ProviderConnection } from './connection.ts';
import type { LinkState } from './link-state.ts';
import type { BufferedChunk } from './replay-buffer.ts';
import { ReplayPacer } from './replay-pacer.ts';
import { SampleBatch } from './sample-batch.ts';
import type { SessionTimers } from './session-timers.ts';

export interface AudioOutOptions {
  /** Whose `buffer` holds the audio to send (a new one per run). */
  readonly state: LinkState;
  readonly sampleRate: number;
  readonly timers: SessionTimers;
  /** A paced connection has sent everything buffered (its replay is over). */
  readonly onCaughtUp: (conn: ProviderConnection) => void;
}

/**
 * A long backlog (minutes spilled to disk during an outage) goes out only as fast as the socket
 * takes it: past this much queued and unsent, the rest waits for the queue to drain.
 */
const MAX_QUEUED_BYTES = 256 * 1024;
const QUEUE_CHECK_MS = 20;

/**
 * Moves buffered audio onto a connection. A connection's `next` is the first session sample
 * it has not had; everything from there to the end of the buffer goes out in capture order,
 * so a fresh connection replays the unaccounted audio and a live one just gets the new frame.
 * With pacing, what is not yet due waits for a timer, and the end of the stream is asked for
 * only after the last sample went out.
 */
export class AudioOut {
  readonly #o: AudioOutOptions;
  readonly #pacers = new WeakMap<ProviderConnection, ReplayPacer>();
  #lastAudioSentAt = 0;

  constructor(options: AudioOutOptions) {
    this.#o = options;
  }

  /** Sends every captured sample the connection has not had yet (and may have now). True when none is left. */
  sendPending(conn: ProviderConnection): boolean {
    const pacer = this.#pacerFor(conn);
    const now = performance.now();
    // Unpaced, consecutive frames pending together (a capture message carries a few) go out
    // as one audio message: each message is a write here and a wake-up at the service.
    const batch = new SampleBatch(this.#o.sampleRate / 10);
    for (const whole of this.#o.state.buffer.from(conn.next)) {
      const chunk = conn.until === null ? whole : clip(whole, conn.until);
      if (!chunk) break;
      if (pacer) {
        const due = pacer.dueAt(chunk, now);
        if (due > now) {
          this.#waitFor(conn, due - now);
          return false;
        }
      }
      if (conn.queuedBytes() > MAX_QUEUED_BYTES) {
        this.#flush(conn, batch);
        this.#waitFor(conn, QUEUE_CHECK_MS);
        return false;
      }
      if (pacer) this.#send(conn, chunk.samples);
      else if (!batch.add(chunk.samples)) {
        this.#flush(conn, batch);
        batch.add(chunk.samples);
      }
      conn.next = chunk.start + chunk.samples.length;
    }
    this.#flush(conn, batch);
    if (conn.endRequested && !conn.endSent) {
      conn.sendAll(conn.stream.end());
      conn.endSent = true;
    }
    if (conn.catchingUp) {
      conn.catchingUp = false;
      this.#o.onCaughtUp(conn);
    }
    return true;
  }

  /** Asks the service to finish and end the stream (once), after everything pending went out. */
  sendEnd(conn: ProviderConnection): void {
    if (conn.endSent) return;
    conn.endRequested = true;
    this.sendPending(conn);
  }

  /** How long the paced sending of what `conn` has not had yet will take (0 when unpaced). */
  remainingMs(conn: ProviderConnection | null): number {
    if (!conn?.live || !conn.catchingUp) return 0;
    const end = Math.min(this.#o.state.buffer.end, conn.until ?? Infinity);
    // Unpaced, only the socket holds it back: allow it a tenth of the audio's length.
    return (
      this.#pacerFor(conn)?.durationMs(end - conn.next) ??
      Math.max(QUEUE_CHECK_MS, ((end - conn.next) / this.#o.sampleRate) * 100)
    );
  }

  /** Services that close idle sockets (Deepgram after 10 s) get their keepalive when no audio flowed for `afterMs`. */
  keepAlive(conn: ProviderConnection | null, afterMs: number): void {
    if (!conn?.live || conn.endSent || performance.now() - this.#lastAudioSentAt < afterMs) return;
    const message = conn.stream.keepAlive();
    if (message !== null) conn.send(message);
    this.#lastAudioSentAt = performance.now();
  }

  #flush(conn: ProviderConnection, batch: SampleBatch): void {
    const samples = batch.take();
    if (samples) this.#send(conn, samples);
  }

  #send(conn: ProviderConnection, samples: Int16Array): void {
    conn.sendAll(conn.stream.encodeAudio(samples));
    this.#lastAudioSentAt = performance.now();
  }

  /** The replay rate limit of the connection's service, if it has one. */
  #pacerFor(conn: ProviderConnection): ReplayPacer | null {
    const pacing = conn.adapter.replayPacing;
    if (!pacing) return null;
    let pacer = this.#pacers.get(conn);
    if (!pacer) {
      pacer = new ReplayPacer(pacing, this.#o.sampleRate);
      this.#pacers.set(conn, pacer);
    }
    return pacer;
  }

  #waitFor(conn: ProviderConnection, ms: number): void {
    conn.catchingUp = true;
    this.#o.timers.after(`pace-${conn.id}`, Math.max(1, Math.ceil(ms)), () => {
      if (conn.live && !conn.ended) this.sendPending(conn);
    });
  }
}

/** The part of `chunk` before session sample `until`, or null when none is. */
function clip(chunk: BufferedChunk, until: number): BufferedChunk | null {
  if (chunk.start >= until) return null;
  const end = chunk.start + chunk.samples.length;
  return end <= until ? chunk : { ...chunk, samples: chunk.samples.subarray(0, until - chunk.start) };
}
