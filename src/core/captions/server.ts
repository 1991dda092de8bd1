import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import type { CaptionsStatus } from '../../shared/captions.ts';
import { EarshotError } from '../../shared/errors.ts';
import type { SessionState } from '../../shared/session.ts';
import type { SpeakerNames, TranscriptEvent } from '../../shared/transcript.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { hostAllowed, isLoopbackHost, type HostRule } from '../../platform/net/host-guard.ts';
import { refuseUpgrade } from '../../platform/net/upgrade-refusal.ts';
import { hostPort } from '../../platform/net/url-host.ts';
import { generateCaptionsToken, isAuthorized, validateToken } from './auth.ts';
import { handleHttpRequest, requestUrl } from './http-routes.ts';
import { listen, resolveOptions, type CaptionsServerOptions, type ResolvedOptions } from './options.ts';
import { captionsHostRule, DEFAULT_LAN_HOST, DEFAULT_LOOPBACK_HOST, displayHost } from './network.ts';
import { CAPTIONS_SUBPROTOCOL, encodeMessage } from './protocol.ts';
import { Subscriber, type SubscriberClosedInfo } from './subscriber.ts';
import { TranscriptState } from './transcript-state.ts';

export type { CaptionsServerOptions } from './options.ts';
export type { SubscriberClosedInfo, SubscriberCloseKind } from './subscriber.ts';

const log = createLogger('captions');

/** How often subscribers get their housekeeping: heartbeat, stall checks, pump retries. */
const SWEEP_INTERVAL_MS = 250;
/** On shutdown, how long clients get to answer the closing handshake before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 1000;
/** Sockets flushed per event-loop turn when a broadcast goes out. */
const FLUSH_SLICE = 128;

export interface CaptionsServerEvents {
  /** The number of live subscribers changed. */
  subscribers: [count: number];
  /** A subscriber left, and why (slow ones with 1013, dead ones by heartbeat, …). */
  'subscriber-closed': [info: SubscriberClosedInfo];
}

/**
 * Broadcasts the live transcript to any number of subscribers over one port: WebSocket at
 * /captions, the overlay page at /overlay, health at /health. Publishing encodes each
 * message once and hands it to every subscriber without waiting for any of them; see
 * subscriber.ts for how a slow one is bounded and then closed.
 */
export class CaptionsServer extends EventEmitter<CaptionsServerEvents> {
  /** The address the server is bound to (may be a wildcard when LAN access is on). */
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** WebSocket URL of /captions, without the token (pass `?token=` or the subprotocol). */
  readonly url: string;
  /** The overlay page's URL including the token: what a person pastes into OBS. */
  readonly overlayUrl: string;

  readonly #options: ResolvedOptions;
  readonly #hostRule: HostRule;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #state: TranscriptState;
  readonly #subscribers = new Set<Subscriber>();
  /** Every open socket, including ones closing: shutdown must not wait on a stuck handshake. */
  readonly #sockets = new Set<WebSocket>();
  readonly #sweep: NodeJS.Timeout;
  /** Subscribers whose sockets hold this tick's frames, in the order they were corked. */
  #corked: Subscriber[] = [];
  #flushScheduled = false;
  /**
   * Uncorking is where the writes (syscalls) happen: ~7 µs per socket, so 7 ms for a thousand.
   * The first slice goes out at the end of the publishing tick; later slices yield to the event
   * loop in between, so the app stays responsive however many subscribers there are.
   */
  readonly #flushSlice = (): void => {
    const slice = this.#corked.splice(0, FLUSH_SLICE);
    for (const subscriber of slice) subscriber.uncork();
    if (this.#corked.length > 0) setImmediate(this.#flushSlice);
    else this.#flushScheduled = false;
  };
  #nextId = 0;
  #running = true;
  #closing: Promise<void> | null = null;

  /** Use `startCaptionsServer`. */
  constructor(http: Server, options: ResolvedOptions, port: number) {
    super();
    this.#http = http;
    this.#options = options;
    this.host = options.host;
    this.port = port;
    this.token = options.token;
    this.#hostRule = captionsHostRule(options.host);
    const where = hostPort(displayHost(options.host), port);
    this.url = `ws://${where}/captions`;
    this.overlayUrl = `http://${where}/overlay?token=${encodeURIComponent(options.token)}`;
    this.#state = new TranscriptState(options.snapshotSize);
    // closeTimeout exists in ws 8.18+ but not yet in @types/ws.
    const wssOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxClientMessageBytes,
      closeTimeout: options.closeTimeoutMs,
      handleProtocols: (offered) => (offered.has(CAPTIONS_SUBPROTOCOL) ? CAPTIONS_SUBPROTOCOL : false),
    };
    this.#wss = new WebSocketServer(wssOptions);
    http.on('request', (req, res) =>
      handleHttpRequest(req, res, {
        token: this.token,
        hostRule: this.#hostRule,
        health: () => ({ state: this.#state.sessionState, subscribers: this.#subscribers.size }),
      }),
    );
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.#sweep = setInterval(() => this.#tick(), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  status(): CaptionsStatus {
    return {
      running: this.#running,
      overlayUrl: this.#running ? this.overlayUrl : null,
      captionsUrl: this.#running ? this.url : null,
      host: this.host,
      port: this.port,
      subscribers: this.#subscribers.size,
    };
  }

  /** Never blocks on subscribers: returns once every subscriber has the frame sent or queued. */
  publishTranscript(event: TranscriptEvent, speakers?: SpeakerNames): void {
    if (!this.#running) return;
    const change = this.#state.apply(event, speakers);
    switch (change.kind) {
      case 'stale':
        return;
      case 'final': {
        const frame = encodeMessage({ type: 'segment', ...change.segment });
        for (const subscriber of this.#subscribers) subscriber.enqueueFinal(frame, change.segment.id);
        return;
      }
      case 'partial': {
        const frame = encodeMessage({ type: 'segment', ...change.segment });
        for (const subscriber of this.#subscribers) subscriber.offerPartial(frame, change.segment.id);
        return;
      }
    }
  }

  publishSession(state: SessionState): void {
    if (!this.#running || !this.#state.setSessionState(state)) return;
    const frame = encodeMessage({ type: 'session', state });
    for (const subscriber of this.#subscribers) subscriber.enqueue(frame);
  }

  /** Says goodbye (1001) to every subscriber, then stops listening. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#running = false;
    clearInterval(this.#sweep);
    for (const subscriber of [...this.#subscribers]) subscriber.close('server', 1001, 'captions server stopped');
    const closed = new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.#sockets.size === 0) resolve();
      };
      for (const ws of this.#sockets) ws.once('close', check);
      check();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
    clearTimeout(timer);
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
    log.info('stopped', { port: this.port });
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => log.debug('upgrade socket error', error));
    const url = requestUrl(req);
    if (!this.#running) return refuseUpgrade(socket, 503, 'The captions server is stopping.');
    if (!hostAllowed(req, this.#hostRule)) {
      return refuseUpgrade(socket, 421, 'This captions server only answers requests addressed to this computer.');
    }
    if (url.pathname !== '/captions') return refuseUpgrade(socket, 404, 'Subscribers connect to /captions.');
    if (!isAuthorized(req, this.token)) {
      log.warn('refused a subscriber with a missing or wrong token', { remote: req.socket.remoteAddress });
      return refuseUpgrade(
        socket,
        401,
        'Missing or wrong token: pass ?token=… or the subprotocol earshot-token.<token>.',
      );
    }
    if (this.#subscribers.size >= this.#options.maxSubscribers) {
      return refuseUpgrade(socket, 503, `Too many subscribers (limit ${this.#options.maxSubscribers}).`);
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, socket));
  }

  #accept(ws: WebSocket, socket: Duplex): void {
    if (!this.#running) {
      ws.close(1001, 'captions server stopped');
      return;
    }
    this.#sockets.add(ws);
    const subscriber = new Subscriber(++this.#nextId, ws, socket, this.#options, {
      onClosed: (info) => this.#onSubscriberClosed(subscriber, info),
      onCorked: (s) => {
        this.#corked.push(s);
        if (this.#flushScheduled) return;
        this.#flushScheduled = true;
        process.nextTick(this.#flushSlice);
      },
    });
    ws.on('message', (data, isBinary) => subscriber.handleClientMessage(toBuffer(data), isBinary));
    ws.on('pong', (data) => subscriber.handlePong(data));
    ws.on('error', (error: Error & { code?: string }) => {
      // ws has already closed this connection (1009 for oversized, 1002 for protocol errors); only its sender is affected.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') subscriber.close('oversized', 1009, error.message);
      else subscriber.close('protocol', 1002, error.message);
    });
    ws.on('close', (code, reason) => {
      this.#sockets.delete(ws);
      subscriber.close('client', code, reason.toString('utf8'));
    });
    this.#subscribers.add(subscriber);
    this.emit('subscribers', this.#subscribers.size);
    subscriber.enqueue(this.#state.snapshotFrame());
  }

  #onSubscriberClosed(subscriber: Subscriber, info: SubscriberClosedInfo): void {
    this.#subscribers.delete(subscriber);
    if (info.kind === 'slow' || info.kind === 'dead' || info.kind === 'flood' || info.kind === 'oversized') {
      log.warn(`closed subscriber ${info.id} (${info.kind}): ${info.reason}`, info);
    }
    this.emit('subscriber-closed', info);
    this.emit('subscribers', this.#subscribers.size);
  }

  #tick(): void {
    const now = performance.now();
    for (const subscriber of this.#subscribers) subscriber.tick(now);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Starts the captions server. Loopback only unless `allowLan`; always token-protected (a
 * random token when none is given). Rejects with EarshotError CAPTIONS_PORT_IN_USE,
 * CAPTIONS_HOST_NOT_ALLOWED, CAPTIONS_TOKEN_INVALID or CAPTIONS_START_FAILED.
 */
export async function startCaptionsServer(opts: CaptionsServerOptions = {}): Promise<CaptionsServer> {
  const allowLan = opts.allowLan ?? false;
  const host = opts.host ?? (allowLan ? DEFAULT_LAN_HOST : DEFAULT_LOOPBACK_HOST);
  if (!allowLan && !isLoopbackHost(host)) {
    throw new EarshotError(
      'CAPTIONS_HOST_NOT_ALLOWED',
      `The captions server may not listen on ${host} because network (LAN) access is off. Turn it on, or use 127.0.0.1.`,
    );
  }
  const token = opts.token ?? generateCaptionsToken();
  validateToken(token, !isLoopbackHost(host));
  const options = resolveOptions(opts, host, token);
  const http = createServer();
  const port = await listen(http, options.host, options.port);
  const server = new CaptionsServer(http, options, port);
  log.info('listening', { url: server.url, lan: !isLoopbackHost(host) });
  return server;
}
