import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { z } from 'zod';

/**
 * What every fake service shares: an HTTP server on 127.0.0.1, port 0, upgraded to a real
 * `ws` WebSocket; per-connection audio storage; the accounting ledger; fault injection.
 * It follows no one server: what each service really does (its set-up, events, errors and
 * limits) lives in that fake's file, whose header names the source it was derived from.
 *
 * The ledger is the point of the fakes. A service "accounts for" audio when it tells the
 * client it is done with it (an item completed, a final result covering it, a declined
 * commit, the end of the stream). The fakes record exactly those samples, per connection, so
 * a test can check that the accounted audio, concatenated, equals the captured audio sample
 * for sample: nothing lost (a gap), nothing counted twice (a replay of accounted audio).
 */
export interface FaultAt {
  /** 1-based connection number. */
  readonly connection: number;
  /** Fire when this connection has recognised this many words. */
  readonly afterWords: number;
}

export interface FaultPlan {
  /** Drop the TCP connection without a close frame (a network failure). */
  readonly drop?: readonly FaultAt[];
  /** Stop answering pings and stop talking (a hung peer). */
  readonly silent?: readonly FaultAt[];
  /** The service's session limit: its expiry error, then its close code. */
  readonly expire?: readonly FaultAt[];
  /** A recoverable error event (the socket stays open, or the provider's runtime-error close). */
  readonly errorEvent?: readonly FaultAt[];
  /** A fatal error (bad model): the provider's error, then its fatal close. */
  readonly fatal?: readonly FaultAt[];
  /** Send a malformed JSON frame after every N recognised words. */
  readonly malformedEveryWords?: number;
  /** Send unknown event types after every N recognised words. */
  readonly unknownEveryWords?: number;
  /** Drop these connections (1-based) when they ask to end the stream, before answering it. */
  readonly dropOnEnd?: readonly number[];
  /**
   * A slow service: a connection's request to end the stream is answered (last finals, end of
   * stream) only once the returned promise resolves; null answers at once. Lets a test order
   * one connection's last final after another's on purpose instead of leaving it to load.
   */
  readonly slowEnd?: (conn: FakeConnection) => Promise<void> | null;
  /** Read the socket slowly: pause reading for pauseMs every everyMs. */
  readonly slowReads?: { readonly pauseMs: number; readonly everyMs: number };
}

export type ProviderFault = 'expire' | 'errorEvent' | 'fatal';
/** What `afterWord` decided: a provider fault to send, a connection already gone, or nothing. */
export type WordFault = ProviderFault | 'dropped' | null;

/** How a fake refuses an upgrade: the HTTP status, extra headers and the JSON body. */
export interface Refusal {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

export interface LedgerEntry {
  readonly connection: number;
  readonly from: number;
  readonly to: number;
  readonly why: string;
}

/** The parts, end to end, in one array. */
export function joinSamples(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The audio one connection received, addressable by connection sample index. */
export class ConnectionAudio {
  #data = new Int16Array(16_000);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  append(samples: Int16Array): void {
    if (this.#length + samples.length > this.#data.length) {
      const bigger = new Int16Array(Math.max(this.#data.length * 2, this.#length + samples.length));
      bigger.set(this.#data.subarray(0, this.#length));
      this.#data = bigger;
    }
    this.#data.set(samples, this.#length);
    this.#length += samples.length;
  }

  slice(from: number, to: number): Int16Array {
    return this.#data.slice(from, Math.min(to, this.#length));
  }
}

export class FakeConnection {
  readonly index: number;
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly request: IncomingMessage;
  readonly audio = new ConnectionAudio();
  /** Samples before this point are accounted for. */
  accounted = 0;
  words = 0;
  silent = false;
  closed = false;
  /** The close frame this fake sent (code and reason), if it closed the connection itself. */
  closedWith: { readonly code: number; readonly reason: string } | null = null;
  readonly messagesIn: string[] = [];
  readonly #slowTimer: NodeJS.Timeout | null = null;

  readonly #onClose: (conn: FakeConnection, code: number, reason: string) => void;

  constructor(
    index: number,
    ws: WebSocket,
    request: IncomingMessage,
    slowReads: FaultPlan['slowReads'],
    onClose: (conn: FakeConnection, code: number, reason: string) => void = () => {},
  ) {
    this.index = index;
    this.#onClose = onClose;
    this.ws = ws;
    this.request = request;
    this.socket = request.socket;
    if (slowReads) {
      this.#slowTimer = setInterval(() => {
        this.socket.pause();
        setTimeout(() => this.socket.resume(), slowReads.pauseMs).unref();
      }, slowReads.everyMs);
      this.#slowTimer.unref();
    }
    ws.on('close', () => {
      this.closed = true;
      if (this.#slowTimer) clearInterval(this.#slowTimer);
    });
  }

  send(message: unknown): void {
    if (this.silent || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** A network failure: FIN without a close frame, after everything already sent. */
  drop(): void {
    // Whatever arrives after this point never reached the service.
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 200).unref();
  }

  /** Closes with a close frame; like drop(), nothing after this point counts. */
  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    if (!this.closedWith) {
      this.closedWith = { code, reason };
      this.#onClose(this, code, reason);
    }
    this.closed = true;
  }
}

/** What a fake reports as it happens, so tests wait on events rather than poll. */
export interface FakeServiceEvents {
  /** A client connected (after the fake greeted it). */
  connection: [FakeConnection];
  /** A text frame from the client (after the fake handled it). */
  text: [FakeConnection, string];
  /** The fake closed a connection with a close frame. */
  closed: [FakeConnection, number, string];
}

export abstract class FakeService extends EventEmitter<FakeServiceEvents> {
  readonly faults: FaultPlan;
  readonly connections: FakeConnection[] = [];
  readonly ledger: LedgerEntry[] = [];
  /** While true, upgrades get HTTP 503 (the service is down). */
  refuseUpgrades = false;
  /** Refused upgrades whose client reset the socket before reading the refusal (counted, not thrown). */
  refusalResets = 0;
  readonly #ledgerAudio: Int16Array[] = [];
  #server: Server | null = null;
  #wss: WebSocketServer | null = null;
  #port = 0;

  protected constructor(faults: FaultPlan) {
    super();
    this.faults = faults;
  }

  get port(): number {
    return this.#port;
  }

  abstract get url(): string;

  /** Accepts or refuses the upgrade: null to accept, else the HTTP status, headers and body. */
  protected abstract authorize(request: IncomingMessage): Refusal | null;
  protected abstract onConnection(conn: FakeConnection): void;
  protected abstract onMessage(conn: FakeConnection, data: Buffer, isBinary: boolean): void;

  async start(): Promise<this> {
    const wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
    const server = createServer((_req, res) => {
      res.writeHead(426).end('WebSocket only');
    });
    server.on('upgrade', (request, socket, head) => {
      const refusal = this.refuseUpgrades
        ? { status: 503, body: '{"error":"Service Unavailable"}' }
        : this.authorize(request);
      if (refusal) {
        const headers = Object.entries({
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(refusal.body)),
          ...refusal.headers,
        })
          .map(([k, v]) => `${k}: ${v}`)
          .join('\r\n');
        // An upgrading socket has no error listener any more; a client that hangs up before
        // reading the refusal (a CLI exiting on it) resets it: that ends the exchange, not the test.
        socket.on('error', () => {
          this.refusalResets += 1;
          socket.destroy();
        });
        socket.end(`HTTP/1.1 ${refusal.status} Refused\r\n${headers}\r\nConnection: close\r\n\r\n${refusal.body}`);
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        const conn = new FakeConnection(
          this.connections.length + 1,
          ws,
          request,
          this.faults.slowReads,
          (c, code, reason) => this.emit('closed', c, code, reason),
        );
        this.connections.push(conn);
        ws.on('error', () => {
          conn.closed = true;
        });
        ws.on('ping', (data) => {
          if (!conn.silent) ws.pong(data);
        });
        ws.on('message', (data, isBinary) => {
          if (conn.silent || conn.closed) return;
          const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
          if (!isBinary) conn.messagesIn.push(buffer.toString('utf8'));
          this.onMessage(conn, buffer, isBinary);
          if (!isBinary) this.emit('text', conn, buffer.toString('utf8'));
        });
        this.onConnection(conn);
        this.emit('connection', conn);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.#port = typeof address === 'object' && address ? address.port : 0;
    this.#server = server;
    this.#wss = wss;
    return this;
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.socket.destroy();
    this.#wss?.close();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server?.closeAllConnections();
  }

  /** Everything accounted for, in connection order: what the test compares with the capture. */
  accountedAudio(): Int16Array {
    return joinSamples(this.#ledgerAudio);
  }

  /** Records that this connection is done with its audio up to `to` (connection samples). */
  protected account(conn: FakeConnection, to: number, why: string): void {
    const end = Math.min(to, conn.audio.length);
    if (end <= conn.accounted || conn.closed) return;
    this.ledger.push({ connection: conn.index, from: conn.accounted, to: end, why });
    this.#ledgerAudio.push(conn.audio.slice(conn.accounted, end));
    conn.accounted = end;
  }

  /**
   * Called by a fake after it recognised a word: applies the generic faults and returns the
   * provider-specific one to send in the provider's own format, if any fires now.
   */
  protected afterWord(conn: FakeConnection): WordFault {
    conn.words += 1;
    const at = (list: readonly FaultAt[] | undefined): boolean =>
      list?.some((f) => f.connection === conn.index && f.afterWords === conn.words) ?? false;
    const every = (n: number | undefined): boolean => n !== undefined && conn.words % n === 0;
    if (every(this.faults.malformedEveryWords))
      conn.send('{"type":"conversation.item.input_audio_transcription.delta","item_id":"it');
    if (every(this.faults.unknownEveryWords)) this.sendUnknown(conn);
    if (at(this.faults.drop)) {
      conn.drop();
      return 'dropped';
    }
    if (at(this.faults.silent)) {
      conn.silent = true;
      return 'dropped';
    }
    if (at(this.faults.expire)) return 'expire';
    if (at(this.faults.errorEvent)) return 'errorEvent';
    if (at(this.faults.fatal)) return 'fatal';
    return null;
  }

  /** The `dropOnEnd` fault: true when this connection was dropped instead of ending its stream. */
  protected dropsOnEnd(conn: FakeConnection): boolean {
    if (!this.faults.dropOnEnd?.includes(conn.index)) return false;
    conn.drop();
    return true;
  }

  /**
   * The `slowEnd` fault: answers the end of the stream now, or once the test's gate opens
   * (not at all if the connection closed in the meantime: nobody is left to answer).
   */
  protected answerEnd(conn: FakeConnection, answer: () => void): void {
    const gate = this.faults.slowEnd?.(conn) ?? null;
    if (!gate) {
      answer();
      return;
    }
    void gate.then(() => {
      if (!conn.closed) answer();
    });
  }

  /** The service threw this connection's audio up to `to` away without a result (a failed job): never accounted. */
  protected discard(conn: FakeConnection, to: number): void {
    conn.accounted = Math.max(conn.accounted, Math.min(to, conn.audio.length));
  }

  /** What this connection accounted for, in order (the ledger of one connection). */
  accountedBy(connection: number): Int16Array {
    return joinSamples(
      this.ledger.flatMap((entry, i) => (entry.connection === connection ? [this.#ledgerAudio[i]!] : [])),
    );
  }

  protected sendUnknown(conn: FakeConnection): void {
    conn.send({ type: 'future.event.nobody.knows', event_id: 'evt_unknown', payload: { x: 1 } });
  }
}

export function bearer(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
}

/** The upgrade request's path and query string (where Deepgram and AssemblyAI take their configuration). */
export function requestUrl(request: IncomingMessage): URL {
  return new URL(request.url ?? '/', 'http://127.0.0.1');
}

/** What a fake of a documented service is built from: its path, its 404, and its message schemas. */
export interface ServiceShape<Server, Client> {
  readonly path: string;
  readonly notFoundBody: string;
  /** What the service sends: the schema the client adapter parses with. */
  readonly server: z.ZodType<Server>;
  /** What the service accepts in text frames: the schema the client adapter builds with. */
  readonly client: z.ZodType<Client>;
}

/** A client's text frame read against the service's schema. */
export type ClientText<T> =
  | { readonly kind: 'message'; readonly message: T }
  | { readonly kind: 'not-json' }
  | { readonly kind: 'unknown'; readonly type: unknown };

/**
 * A fake of a service that listens on one path and reads its configuration from the query string
 * (Deepgram's `/v1/listen`, AssemblyAI's `/v3/ws`): a request for any other path gets the
 * service's 404; the service's own checks (key, required parameters) come after. It speaks with
 * the same message schemas as the client adapter, so each shape is written once.
 */
export abstract class UrlConfiguredFake<
  Options extends { readonly faults?: FaultPlan },
  State,
  Server,
  Client,
> extends FakeService {
  readonly options: Options;
  /** Per-connection protocol state, set when a connection is accepted. */
  protected readonly states = new Map<FakeConnection, State>();
  readonly #shape: ServiceShape<Server, Client>;

  protected constructor(shape: ServiceShape<Server, Client>, options: Options) {
    super(options.faults ?? {});
    this.options = options;
    this.#shape = shape;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}${this.#shape.path}`;
  }

  protected authorize(request: IncomingMessage): Refusal | null {
    const url = requestUrl(request);
    if (url.pathname !== this.#shape.path) return { status: 404, body: this.#shape.notFoundBody };
    return this.checkRequest(url, request);
  }

  /** The service's own checks of an upgrade on its path: null to accept. */
  protected abstract checkRequest(url: URL, request: IncomingMessage): Refusal | null;

  /** The configuration a connection asked for in its URL. */
  protected queryOf(conn: FakeConnection): URLSearchParams {
    return requestUrl(conn.request).searchParams;
  }

  /**
   * Sends a message built to the service's schema. The schema checks it first, so a fake that
   * drifts from the documented shape fails here, where the mistake is, instead of passing a
   * client that would fail against the real service.
   */
  protected sendMessage(conn: FakeConnection, message: Server): void {
    this.#shape.server.parse(message);
    conn.send(message);
  }

  /** A text frame from the client: a message the service knows, or why not. */
  protected readClientText(data: Buffer): ClientText<Client> {
    let value: unknown;
    try {
      value = JSON.parse(data.toString('utf8'));
    } catch {
      // The services answer malformed JSON with their own error; the caller sends it.
      return { kind: 'not-json' };
    }
    const parsed = this.#shape.client.safeParse(value);
    if (parsed.success) return { kind: 'message', message: parsed.data };
    const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
    return { kind: 'unknown', type };
  }
}
