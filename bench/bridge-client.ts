import { WebSocket } from 'ws';
import {
  WEB_BRIDGE_PATH,
  WEB_BRIDGE_PROTOCOL,
  WEB_BRIDGE_TOKEN_PREFIX,
} from '../src/shared/ipc/web-bridge-protocol.ts';

/**
 * A bare client of `earshot ui`'s web bridge, the way the page connects (token as the second
 * subprotocol, the page's own Origin), that only listens to the events the core pushes.
 */
export interface BridgeListener {
  /** Resolves with the payload of the first `event` for which `accept` is true, or rejects after `timeoutMs`. */
  next(event: string, accept: (payload: unknown) => boolean, timeoutMs: number): Promise<unknown>;
  close(): void;
}

/** `pageUrl`: what `earshot ui --json` prints (`http://127.0.0.1:<port>/#token=<hex>`). */
export async function connectBridge(pageUrl: string): Promise<BridgeListener> {
  const url = new URL(pageUrl);
  const token = new URLSearchParams(url.hash.slice(1)).get('token');
  if (!token) throw new Error(`no token in ${pageUrl}`);
  const ws = new WebSocket(
    `ws://${url.host}${WEB_BRIDGE_PATH}`,
    [WEB_BRIDGE_PROTOCOL, `${WEB_BRIDGE_TOKEN_PREFIX}${token}`],
    {
      origin: url.origin,
    },
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`the bridge refused the connection: ${response.statusCode}`)),
    );
  });
  ws.on('error', (error) => process.stderr.write(`bridge client: ${error.message}\n`));
  return {
    next: (event, accept, timeoutMs) =>
      new Promise((resolve, reject) => {
        const onMessage = (data: Buffer): void => {
          const message = JSON.parse(data.toString('utf8')) as { type: string; event?: string; payload?: unknown };
          if (message.type !== 'event' || message.event !== event || !accept(message.payload)) return;
          clearTimeout(timer);
          ws.off('message', onMessage);
          resolve(message.payload);
        };
        const timer = setTimeout(() => {
          ws.off('message', onMessage);
          reject(new Error(`no ${event} event within ${timeoutMs} ms`));
        }, timeoutMs);
        ws.on('message', onMessage);
      }),
    close: () => ws.close(),
  };
}
