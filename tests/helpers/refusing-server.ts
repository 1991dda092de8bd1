import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that refuses every WebSocket upgrade with one status and an empty
 * body, and records the path and query each upgrade asked for.
 *
 * With 403 it answers as a FastAPI server behind uvicorn does (vLLM, Speaches) when the app
 * closes the socket before accepting it: the status line, no headers of note, no body
 * (encode/uvicorn, uvicorn/protocols/websockets/websockets_impl.py, `asgi_send`:
 * `initial_response = (HTTPStatus.FORBIDDEN, [], b"")`). Speaches does that when its
 * required `model` query parameter is missing (speaches-ai/speaches,
 * src/speaches/routers/realtime_ws.py at 9aca787), Starlette for a path with no route.
 * With 404 it is a server (or a proxy in front of one) with nothing at that path.
 */
export interface RefusingServer {
  readonly port: number;
  /** Base address (no path): what a person pastes from the server's start-up banner. */
  readonly base: string;
  /** `path?query` of each upgrade so far, in order. */
  readonly upgrades: readonly string[];
  close(): Promise<void>;
}

export async function startRefusingServer(status: 403 | 404): Promise<RefusingServer> {
  const upgrades: string[] = [];
  const reason = status === 403 ? 'Forbidden' : 'Not Found';
  const server: Server = createServer((_request, response) => response.writeHead(404).end());
  server.on('upgrade', (request, socket) => {
    upgrades.push(request.url ?? '');
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
