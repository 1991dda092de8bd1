import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Logger } from '../../platform/log/logger.ts';
import type { ProviderAdapter, ProviderEvent, ProviderStream, WireMessage } from '../providers/types.ts';

/** Why a connection is over. */
export type ConnectionEnd =
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string }
  | { readonly kind: 'handshake'; readonly status: number | null; readonly detail: string }
  | { readonly kind: 'heartbeat' };

export interface ConnectionOptions {
  readonly heartbeatIntervalMs: number;
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
  /** `receivedAt`: performance.now() when the message arrived (for latency figures). */
  readonly onEvent: (connection: ProviderConnection, event: ProviderEvent, receivedAt: number) => void;
  readonly onEnd: (connection: ProviderConnection, end: ConnectionEnd) => void;
}

/**
 * One WebSocket to a provider and its protocol stream. Owns the heartbeat (the `ws` recipe:
 * ping every interval, terminate a peer that did not answer the previous ping) and reports
 * exactly one end. The session decides what every event means.
 */
export class ProviderConnection {
  readonly id: number;
  readonly stream: ProviderStream;
  /** Session sample index of the first sample sent on this socket (set when it becomes live). */
  base = 0;
  /** Session sample index of the next sample to send. */
  next = 0;
  /** The service is configured and this connection is where audio goes. */
  live = false;
  /** Session sample to stop sending at (a repair connection re-sends only its range), or null. */
  until: number | null = null;
  /** The session wants the stream ended once all its audio went out (paced replays finish first). */
  endRequested = false;
  /** We asked the service to end the stream (CloseStream/Terminate/final commit). */
  endSent = false;
  readonly openedAt = performance.now();
  readonly #ws: WebSocket;
  readonly #o: ConnectionOptions;
  #ended = false;
  #alive = true;
  #heartbeat: NodeJS.Timeout | null = null;
  #connectTimer: NodeJS.Timeout | null;
  #closingOnPurpose = false;
  #wasOpen = false;

  constructor(adapter: ProviderAdapter, id: number, options: ConnectionOptions) {
    this.id = id;
    this.#o = options;
    this.stream = adapter.createStream();
    const request = adapter.connectRequest();
    this.#ws = new WebSocket(request.url, request.protocols ? [...request.protocols] : [], {
      headers: { ...request.headers },
      perMessageDeflate: false,
      handshakeTimeout: options.connectTimeoutMs,
      maxPayload: 16 * 1024 * 1024,
    });
    this.#connectTimer = setTimeout(() => {
      const detail = this.#wasOpen
        ? `no session set-up within ${options.connectTimeoutMs} ms`
        : `no answer within ${options.connectTimeoutMs} ms`;
      this.#end({ kind: 'handshake', status: null, detail });
      this.#ws.terminate();
    }, options.connectTimeoutMs);
    this.#ws.on('open', () => this.#onOpen());
    this.#ws.on('message', (data, isBinary) => this.#onMessage(toBuffer(data), isBinary));
    this.#ws.on('pong', () => {
      this.#alive = true;
    });
    this.#ws.on('unexpected-response', (req, res) => this.#onUnexpectedResponse(req, res));
    this.#ws.on('error', (error) => {
      // An error before the upgrade means the service was not reached; after it, a close follows.
      if (this.#ws.readyState === WebSocket.CONNECTING || !this.#wasOpen) {
        this.#end({ kind: 'handshake', status: null, detail: error.message });
      } else {
        this.#o.logger.debug('socket error', { id, message: error.message });
      }
    });
    this.#ws.on('close', (code, reason) => {
      if (!this.#wasOpen) this.#end({ kind: 'handshake', status: null, detail: `closed before opening (${code})` });
      else this.#end({ kind: 'closed', code, reason: reason.toString('utf8') });
    });
  }

  /** Bytes queued in the socket but not yet written to the network. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get closingOnPurpose(): boolean {
    return this.#closingOnPurpose;
  }

  send(message: WireMessage): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(message, { binary: typeof message !== 'string' });
  }

  sendAll(messages: readonly WireMessage[]): void {
    for (const message of messages) this.send(message);
  }

  /** A normal close (1000): the service flushes and we wait for its close frame. */
  close(reason = 'done'): void {
    this.#closingOnPurpose = true;
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000, reason);
    else this.terminate();
  }

  /** Drops the socket at once (dead peer, expiry, giving up). */
  terminate(): void {
    this.#closingOnPurpose = true;
    this.#ws.terminate();
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

  #onOpen(): void {
    this.#wasOpen = true;
    this.#heartbeat = setInterval(() => this.#beat(), this.#o.heartbeatIntervalMs);
    const { send, events } = this.stream.onOpen();
    this.sendAll(send);
    const now = performance.now();
    for (const event of events) this.#o.onEvent(this, event, now);
  }

  #beat(): void {
    if (!this.#alive) {
      this.#o.logger.warn('peer stopped answering pings; dropping the connection', { id: this.id });
      this.#end({ kind: 'heartbeat' });
      this.#ws.terminate();
      return;
    }
    this.#alive = false;
    try {
      this.#ws.ping();
    } catch (error) {
      this.#o.logger.debug('ping failed', { id: this.id, message: (error as Error).message });
    }
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#ended) return;
    const receivedAt = performance.now();
    const { send, events } = this.stream.decode(data, isBinary);
    this.sendAll(send);
    for (const event of events) {
      if (this.#ended) return;
      this.#o.onEvent(this, event, receivedAt);
    }
  }

  #onUnexpectedResponse(req: { destroy(): void }, res: IncomingMessage): void {
    const status = res.statusCode ?? null;
    const headerDetail = res.headers['dg-error'];
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size < 2048) chunks.push(chunk);
      size += chunk.length;
    });
    const finish = (): void => {
      const body = Buffer.concat(chunks).toString('utf8').slice(0, 300).trim();
      const detail = typeof headerDetail === 'string' ? headerDetail : extractMessage(body);
      this.#end({ kind: 'handshake', status, detail });
      req.destroy();
    };
    res.on('end', finish);
    res.on('error', finish);
  }

  #end(end: ConnectionEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    this.live = false;
    if (this.#connectTimer) clearTimeout(this.#connectTimer);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#connectTimer = null;
    this.#heartbeat = null;
    this.#o.onEnd(this, end);
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** OpenAI-style JSON error bodies carry `error.message`; otherwise keep the text. */
function extractMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'object' && typeof parsed.error.message === 'string') return parsed.error.message;
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: the body text itself is the best detail there is.
    return body;
  }
  return body;
}
