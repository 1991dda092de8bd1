import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLogger } from '../platform/log/logger.ts';
import { hostAllowed, isLoopbackHost, type HostRule } from '../platform/net/host-guard.ts';
import { presentedToken } from '../platform/net/presented-token.ts';
import { tokenMatches } from '../platform/net/token-compare.ts';
import { refuseUpgrade } from '../platform/net/upgrade-refusal.ts';
import { hostPort } from '../platform/net/url-host.ts';
import { EngineConnection } from './connection.ts';
import type { DecoderPool } from './decoder-pool.ts';
import { errorEvent } from './protocol.ts';

const log = createLogger('engine-server');

export const REALTIME_PATH = '/v1/realtime';
/** The subprotocol browsers use to carry the key, since they cannot set headers (OpenAI's convention). */
const KEY_PROTOCOL_PREFIX = 'openai-insecure-api-key.';
const REALTIME_PROTOCOL = 'realtime';

export interface EngineServerOptions {
  readonly pool: DecoderPool;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer } | undefined;
  /** Largest WebSocket message; a bigger one closes that connection with 1009. */
  readonly maxPayload?: number;
  /** A connection with no frames and no pings for this long is closed. */
  readonly idleTimeoutMs?: number;
  readonly maxBacklogS?: number;
  /**
   * Web page origins (`https://app.example`) allowed to connect from a browser. A browser
   * always names the page in `Origin`; without this list every page is refused, so a site the
   * person visits cannot reach the engine on this machine. Non-browser clients send no Origin.
   */
  readonly allowedOrigins?: readonly string[];
}

export interface EngineServer {
  readonly url: string;
  readonly port: number;
  readonly connections: number;
  close(): Promise<void>;
}

/** Closes an idle connection: 1001 "going away", the code for a server ending a session. */
const CLOSE_IDLE = 1001;

/**
 * The engine's WebSocket endpoint: authenticates before the upgrade (401 otherwise), serves
 * `GET /v1/realtime` only, and gives each connection its own `EngineConnection`.
 */
export async function startEngineServer(options: EngineServerOptions): Promise<EngineServer> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const maxBacklogS = options.maxBacklogS ?? 120;
  const http: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key })
    : createHttpServer();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? 1024 * 1024,
    perMessageDeflate: false,
    handleProtocols: selectProtocol,
  });

  // Bound to loopback, the engine answers loopback names only (DNS rebinding); exposed on
  // purpose (--allow-remote, a token), it answers whatever name the network uses, as the captions server does.
  const hostRule: HostRule = isLoopbackHost(options.host)
    ? { names: 'loopback', allowMissing: true }
    : { names: 'any' };
  const allowedOrigins = new Set(options.allowedOrigins ?? []);

  http.on('request', (request, response) => {
    if (!hostAllowed(request, hostRule)) {
      response.writeHead(421, { 'content-type': 'text/plain' });
      response.end('Misdirected request.\n');
      return;
    }
    const path = new URL(request.url ?? '/', 'http://engine').pathname;
    if (path === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok', model: options.pool.model, connections: wss.clients.size }));
      return;
    }
    response.writeHead(path === REALTIME_PATH ? 426 : 404, { 'content-type': 'text/plain' });
    response.end(path === REALTIME_PATH ? 'Upgrade to WebSocket required.\n' : 'Not found.\n');
  });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => log.warn(`upgrade socket error: ${error.message}`));
    const path = new URL(request.url ?? '/', 'http://engine').pathname;
    if (!hostAllowed(request, hostRule)) {
      log.warn(`refused a connection addressed to ${request.headers.host ?? 'no host'}`);
      return refuseUpgrade(socket, 421, 'This engine only answers requests addressed to this computer.');
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      log.warn(`refused a browser connection from ${origin.slice(0, 200)}`);
      return refuseUpgrade(socket, 403, 'Web pages may not connect to this engine.');
    }
    if (path !== REALTIME_PATH) return refuseUpgrade(socket, 404, `Only ${REALTIME_PATH} is served.`);
    const presented = presentedToken(request, { bearer: true, subprotocolPrefix: KEY_PROTOCOL_PREFIX });
    if (!tokenMatches(presented, options.token)) {
      return refuseUpgrade(socket, 401, 'Missing or wrong token.', { 'WWW-Authenticate': 'Bearer' });
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  wss.on('connection', (ws: WebSocket) => {
    let connection: EngineConnection;
    try {
      connection = new EngineConnection(ws, options.pool, { maxBacklogS });
    } catch (error) {
      ws.send(JSON.stringify(errorEvent('engine_unavailable', (error as Error).message, { type: 'server_error' })));
      ws.close(1011, 'engine unavailable');
      return;
    }
    let idle = setTimeout(() => ws.close(CLOSE_IDLE, 'idle timeout'), idleTimeoutMs);
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.close(CLOSE_IDLE, 'idle timeout'), idleTimeoutMs);
    };
    ws.on('message', (data, isBinary) => {
      touch();
      try {
        connection.handleMessage(data, isBinary);
      } catch (error) {
        // A bug in handling one event must not take the process (or other connections) down.
        log.error('unexpected error while handling an event', error);
        ws.send(
          JSON.stringify(
            errorEvent('server_error', 'The engine could not handle this event.', { type: 'server_error' }),
          ),
        );
      }
    });
    ws.on('ping', touch);
    ws.on('pong', touch);
    ws.on('error', (error) => log.warn(`connection error: ${error.message}`));
    ws.on('close', () => {
      clearTimeout(idle);
      connection.close();
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const url = `${options.tls ? 'wss' : 'ws'}://${hostPort(options.host, port)}${REALTIME_PATH}`;
  log.info(`listening on ${url}`);

  return {
    url,
    port,
    get connections() {
      return wss.clients.size;
    },
    close: async () => {
      for (const ws of wss.clients) ws.close(1001, 'engine shutting down');
      await new Promise<void>((resolve) => {
        const done = (): void => resolve();
        wss.close(() => http.close(done));
        // Clients that do not answer the close handshake are cut after a moment.
        setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
          http.closeAllConnections();
        }, 1000).unref();
      });
    },
  };
}

/** Picks `realtime` when offered and never echoes the entry that carries the key. */
function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(REALTIME_PROTOCOL)) return REALTIME_PROTOCOL;
  for (const p of protocols) if (!p.startsWith(KEY_PROTOCOL_PREFIX)) return p;
  return false;
}
