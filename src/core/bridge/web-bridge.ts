import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { EarshotError } from '../../shared/errors.ts';
import {
  bridgeRequestSchema,
  WEB_BRIDGE_MAX_PAYLOAD,
  WEB_BRIDGE_PATH,
  WEB_BRIDGE_PROTOCOL,
  type BridgeServerMessage,
} from '../../shared/ipc/web-bridge-protocol.ts';
import { fail } from '../../shared/result.ts';
import type { AppCore } from '../app/types.ts';
import { dispatchInvoke, type EventSink } from '../ipc/handlers.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { hostAllowed, isWildcardHost, machineHostRuleFor, type HostRule } from '../../platform/net/host-guard.ts';
import { generateToken } from '../../platform/net/tokens.ts';
import { refuseUpgrade } from '../../platform/net/upgrade-refusal.ts';
import { hostPort } from '../../platform/net/url-host.ts';
import { upgradeRefusal } from './access.ts';
import { serveStatic } from './static-files.ts';

/**
 * The web bridge: serves the built renderer and carries `window.earshot` over a WebSocket to
 * the real core, through the same handler table Electron's IPC uses. Loopback by default,
 * guarded by a random token. For tests, benchmarks and machines without a desktop.
 */
export interface WebBridgeOptions {
  readonly core: Pick<AppCore, 'handlers' | 'subscribe'>;
  /** The built renderer: a folder with index.html (electron-vite's out/renderer). */
  readonly staticDir: string;
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Hex, 32–128 characters; random when omitted. */
  readonly token?: string;
  /** Between pings; a client that misses one is dropped. */
  readonly heartbeatMs?: number;
  /** Serve https/wss with this certificate and key (PEM); required off loopback by `earshot ui`. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** The names a wildcard bind answers to (default: this machine's addresses and host name). */
  readonly machineNames?: readonly string[];
}

export interface WebBridge {
  /** Page URL with the token in the fragment: open this in a browser. */
  readonly pageUrl: string;
  readonly origin: string;
  readonly wsUrl: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  readonly clientCount: number;
  close(): Promise<void>;
}

/** Past this much unsent data, a client only gets events that matter (not level meters). */
const SOFT_BACKLOG_BYTES = 256 * 1024;
/** Past this, the client is not reading at all: drop it rather than grow without bound. */
const HARD_BACKLOG_BYTES = 16 * 1024 * 1024;
const DROPPABLE_EVENTS = new Set(['level']);

const log = createLogger('web-bridge');

export async function startWebBridge(options: WebBridgeOptions): Promise<WebBridge> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? generateToken({ bytes: 32, encoding: 'hex' });
  if (!/^[0-9a-f]{32,128}$/.test(token)) {
    throw new EarshotError('USAGE', 'The web bridge token must be 32–128 lowercase hex characters.');
  }
  if (!existsSync(join(options.staticDir, 'index.html'))) {
    throw new EarshotError(
      'BRIDGE_UNAVAILABLE',
      `The renderer is not built: ${join(options.staticDir, 'index.html')} is missing. Run \`npm run build\` first.`,
    );
  }

  const clients = new Set<WebSocket>();
  const alive = new WeakMap<WebSocket, boolean>();
  // Answers nobody until it listens and knows its port (nothing can connect before that anyway).
  let hostRule: HostRule = { names: [] };

  const onRequest: RequestListener = (request, response) => {
    if (!hostAllowed(request, hostRule)) {
      response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Misdirected request\n');
      return;
    }
    serveStatic(options.staticDir, request, response).catch((error: unknown) => {
      log.error('static file failed', error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createServer(onRequest);
  server.on('clientError', (error, socket) => {
    log.debug('bad HTTP request', error);
    socket.destroy();
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WEB_BRIDGE_MAX_PAYLOAD,
    // The token entry must never be echoed back: answer with the bare protocol name.
    handleProtocols: (protocols) => (protocols.has(WEB_BRIDGE_PROTOCOL) ? WEB_BRIDGE_PROTOCOL : false),
  });
  wss.on('error', (error) => log.error('websocket server error', error));

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => log.debug('upgrade socket error', error));
    const refusal = upgradeRefusal(request, hostRule, token);
    if (refusal) {
      log.warn(`refused a bridge connection (${refusal.status}): ${refusal.message}`);
      refuseUpgrade(socket, refusal.status, refusal.message);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws));
  });

  const send = (ws: WebSocket, message: BridgeServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  const accept = (ws: WebSocket): void => {
    clients.add(ws);
    alive.set(ws, true);
    log.info(`renderer connected (${clients.size} open)`);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', (error) => log.warn('renderer socket error', error));
    ws.on('close', () => {
      clients.delete(ws);
      log.info(`renderer disconnected (${clients.size} open)`);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      void handleRequest(ws, rawToText(data));
    });
  };

  const handleRequest = async (ws: WebSocket, text: string): Promise<void> => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      log.warn('ignored a bridge message that is not JSON');
      return;
    }
    const parsed = bridgeRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const seq = typeof raw === 'object' && raw !== null && 'seq' in raw ? Number(raw.seq) : NaN;
      log.warn('ignored a malformed bridge request', parsed.error.issues[0]?.message);
      if (Number.isSafeInteger(seq) && seq >= 0) {
        send(ws, { type: 'result', seq, result: fail('IPC_INVALID_PAYLOAD', 'Malformed bridge request.') });
      }
      return;
    }
    const { seq, channel, payload } = parsed.data;
    const result = await dispatchInvoke(options.core.handlers, channel, payload, (name, error) =>
      log.error(`handler ${name} failed`, error),
    );
    send(ws, { type: 'result', seq, result });
  };

  const sink: EventSink = (event, payload) => {
    if (clients.size === 0) return;
    const frame = JSON.stringify({ type: 'event', event, payload } satisfies BridgeServerMessage);
    for (const ws of clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > HARD_BACKLOG_BYTES) {
        log.warn('dropped a renderer that stopped reading');
        ws.terminate();
        continue;
      }
      if (ws.bufferedAmount > SOFT_BACKLOG_BYTES && DROPPABLE_EVENTS.has(event)) continue;
      ws.send(frame);
    }
  };
  const unsubscribe = options.core.subscribe(sink);

  const heartbeat = setInterval(() => {
    for (const ws of clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  try {
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolvePromise();
      });
    });
  } catch (error) {
    clearInterval(heartbeat);
    unsubscribe();
    const code = (error as NodeJS.ErrnoException).code;
    throw new EarshotError(
      'BRIDGE_UNAVAILABLE',
      code === 'EADDRINUSE'
        ? `Port ${options.port} is already in use; choose another with --port.`
        : `The web interface could not listen on ${host}: ${String(code ?? error)}.`,
      { cause: error },
    );
  }

  const port = (server.address() as AddressInfo).port;
  hostRule = machineHostRuleFor(host, port, options.machineNames);
  // A wildcard address is no name to open; this machine reaches itself by loopback.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : isWildcardHost(host) ? '::1' : host;
  const origin = `${options.tls ? 'https' : 'http'}://${hostPort(reachable, port)}`;
  let closed = false;

  return {
    pageUrl: `${origin}/#token=${token}`,
    origin,
    wsUrl: `${options.tls ? 'wss' : 'ws'}://${hostPort(reachable, port)}${WEB_BRIDGE_PATH}`,
    token,
    host,
    port,
    get clientCount() {
      return clients.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      for (const ws of clients) ws.close(1001, 'Earshot is shutting down');
      await new Promise<void>((resolvePromise) => wss.close(() => resolvePromise()));
      for (const ws of clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    },
  };
}

function rawToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (data instanceof ArrayBuffer ? Buffer.from(new Uint8Array(data)) : data).toString('utf8');
}
