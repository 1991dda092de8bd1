import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A server on a loopback port that records every request's headers (Authorization,
 * Sec-WebSocket-Protocol, everything) and refuses each WebSocket upgrade with 401, as a
 * service would that did not get its key. Tests use it as the "other origin" a key must
 * never reach.
 */
export interface HeaderRecorder {
  readonly port: number;
  readonly url: string;
  readonly requests: readonly IncomingHttpHeaders[];
  /** Whether `secret` appears in any header of any request so far. */
  saw(secret: string): boolean;
  close(): Promise<void>;
}

export async function startHeaderRecorder(): Promise<HeaderRecorder> {
  const requests: IncomingHttpHeaders[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.headers);
    response.writeHead(404).end();
  });
  server.on('upgrade', (request, socket) => {
    requests.push(request.headers);
    const body = JSON.stringify({ error: { message: 'Missing API key.', type: 'invalid_request_error' } });
    socket.end(
      `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    requests,
    saw: (secret) => requests.some((headers) => JSON.stringify(headers).includes(secret)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
