import type { Logger } from '../../platform/log/logger.ts';
import type { ProviderAdapter, ProviderEvent, ProviderStream, WireMessage } from '../providers/types.ts';
import type { DrainProbe } from './drain-probe.ts';
import type { OpenTransport, Transport } from './transport.ts';

/** Why a connection is over. */
export type ConnectionEnd =
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string }
  | { readonly kind: 'handshake'; readonly status: number | null; readonly detail: string }
  | { readonly kind: 'heartbeat' };

export interface ConnectionOptions {
  readonly openTransport: OpenTransport;
  readonly heartbeatIntervalMs: number;
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
  /** `receivedAt`: performance.now() when the message arrived (for latency figures). */
  readonly onEvent: (connection: ProviderConnection, event: ProviderEvent, receivedAt: number) => void;
  readonly onEnd: (connection: ProviderConnection, end: ConnectionEnd) => void;
}

/**
 * One socket to a provider and its protocol stream. Owns the heartbeat (the `ws` recipe:
 * ping every interval, terminate a peer that did not answer the previous ping) and the
 * connect timer, and reports exactly one end. The session decides what every event means.
 *
 * The public fields are where this connection stands in the session's audio; the session's
 * parts move them (audio-out.ts sends, service-link.ts makes it live).
 */
export class ProviderConnection {
  readonly id: number;
  /** The service this connection talks to (after a failover, not the session's own). */
  readonly adapter: ProviderAdapter;
  readonly stream: ProviderStream;
  /** Session sample index of the first sample sent on this socket (set when it becomes live). */
  base = 0;
  /** Session sample index of the next sample to send. */
  next = 0;
  /** The service is configured and this connection is where audio goes. */
  live = false;
  /** Session sample to stop sending at (a repair connection re-sends only its range), or null. */
  until: number | null = null;
  /** A paced replay is still going out: the rest waits for its timer (see audio-out.ts). */
  catchingUp = false;
  /** The session wants the stream ended once all its audio went out (paced replays finish first). */
  endRequested = false;
  /** We asked the service to end the stream (CloseStream/Terminate/final commit). */
  endSent = false;
  readonly #socket: Transport;
  readonly #o: ConnectionOptions;
  #ended = false;
  #answeredPing = true;
  #heartbeat: NodeJS.Timeout | null = null;
  /** While a drain waits on this connection: the close watch (drain-probe.ts), and pings gone unanswered since the peer was last heard. */
  #drainProbe: NodeJS.Timeout | null = null;
  #unheardProbes = 0;
  #connectTimer: NodeJS.Timeout | null;
  #wasOpen = false;

  constructor(adapter: ProviderAdapter, id: number, options: ConnectionOptions) {
    this.id = id;
    this.adapter = adapter;
    this.#o = options;
    this.stream = adapter.createStream();
    this.#socket = options.openTransport(
      adapter.connectRequest(),
      { connectTimeoutMs: options.connectTimeoutMs, logger: options.logger },
      {
        opened: () => this.#onOpen(),
        message: (data, isBinary) => this.#onMessage(data, isBinary),
        pong: () => {
          this.#answeredPing = true;
          this.#unheardProbes = 0;
        },
        failed: (status, detail) => this.#end({ kind: 'handshake', status, detail }),
        closed: (code, reason) => this.#end({ kind: 'closed', code, reason }),
      },
    );
    this.#connectTimer = setTimeout(() => {
      const detail = this.#wasOpen
        ? `no session set-up within ${options.connectTimeoutMs} ms`
        : `no answer within ${options.connectTimeoutMs} ms`;
      this.#end({ kind: 'handshake', status: null, detail });
      this.#socket.terminate();
    }, options.connectTimeoutMs);
  }

  get ended(): boolean {
    return this.#ended;
  }

  send(message: WireMessage): void {
    this.#socket.send(message);
  }

  sendAll(messages: readonly WireMessage[]): void {
    for (const message of messages) this.send(message);
  }

  /** Audio and messages handed to the socket that have not left this computer yet. */
  queuedBytes(): number {
    return this.#socket.bufferedAmount?.() ?? 0;
  }

  /** A normal close (1000): the service flushes and we wait for its close frame. */
  close(reason = 'done'): void {
    this.#socket.close(reason);
  }

  /** Drops the socket at once (dead peer, expiry, giving up). */
  terminate(): void {
    this.#socket.terminate();
  }

  /**
   * The service is configured: audio starts at session sample `base`. Until this is called
   * the connect timer runs, so a server that accepts the socket but never answers the
   * set-up counts as unreachable.
   */
  markLive(base: number): void {
    this.base = base;
    this.next = base;
    this.live = true;
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
  }

  /**
   * A stop waits on this connection: ping it every `probe.everyMs` and drop it (as a heartbeat
   * failure, so the session reconnects and replays) once `probe.deadAfter` pings in a row went
   * by with nothing heard from the peer. Once per connection; only for one that is open.
   */
  watchWhileDraining(probe: DrainProbe): void {
    if (this.#ended || !this.#wasOpen || this.#drainProbe) return;
    this.#unheardProbes = 0;
    this.#drainProbe = setInterval(() => this.#probe(probe.deadAfter), probe.everyMs);
    this.#probe(probe.deadAfter);
  }

  #probe(deadAfter: number): void {
    // A ping waits behind audio still queued on our side: the peer cannot answer it yet.
    if (this.queuedBytes() > 0) return;
    if (this.#unheardProbes >= deadAfter) {
      this.#o.logger.warn('peer went silent while the session drained; dropping the connection', { id: this.id });
      this.#end({ kind: 'heartbeat' });
      this.#socket.terminate();
      return;
    }
    this.#unheardProbes += 1;
    this.#socket.ping();
  }

  #onOpen(): void {
    this.#wasOpen = true;
    this.#heartbeat = setInterval(() => this.#beat(), this.#o.heartbeatIntervalMs);
    const { send, events } = this.stream.onOpen();
    this.sendAll(send);
    const now = performance.now();
    for (const event of events) this.#o.onEvent(this, event, now);
  }

  #beat(): void {
    if (!this.#answeredPing) {
      this.#o.logger.warn('peer stopped answering pings; dropping the connection', { id: this.id });
      this.#end({ kind: 'heartbeat' });
      this.#socket.terminate();
      return;
    }
    this.#answeredPing = false;
    this.#socket.ping();
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#ended) return;
    this.#unheardProbes = 0; // a peer that talks is there, whatever its pongs do
    const receivedAt = performance.now();
    const { send, events } = this.stream.decode(data, isBinary);
    this.sendAll(send);
    for (const event of events) {
      if (this.#ended) return;
      this.#o.onEvent(this, event, receivedAt);
    }
  }

  #end(end: ConnectionEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    this.live = false;
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#drainProbe) clearInterval(this.#drainProbe);
    this.#connectTimer = null;
    this.#heartbeat = null;
    this.#drainProbe = null;
    this.#o.onEnd(this, end);
  }
}
