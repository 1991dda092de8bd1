import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/log/logger.ts';
import { openWebSocket } from '../session/websocket-transport.ts';
import { classifyHttpStatus, serviceDetail } from './close-verdicts.ts';

/** A server that answers every upgrade with a fixed HTTP status and body, as a proxy or portal would. */
async function refusingServer(status: number, contentType: string, body: string): Promise<Server> {
  const server = createServer();
  server.on('upgrade', (_request, socket) => {
    socket.end(
      `HTTP/1.1 ${status} Refused\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** Connects through the app's real transport and returns the verdict the session would show. */
async function verdictFor(status: number, contentType: string, body: string): Promise<string> {
  server = await refusingServer(status, contentType, body);
  const port = (server.address() as AddressInfo).port;
  const failed = await new Promise<{ status: number | null; detail: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no refusal within 5 s')), 5_000);
    openWebSocket(
      { url: `ws://127.0.0.1:${port}/v1/realtime`, headers: {} },
      { connectTimeoutMs: 5_000, logger: createLogger('test') },
      {
        opened: () => reject(new Error('the refusing server accepted the upgrade')),
        message: () => undefined,
        pong: () => undefined,
        failed: (s, detail) => {
          clearTimeout(timer);
          resolve({ status: s, detail });
        },
        closed: () => undefined,
      },
    );
  });
  expect(failed.status).toBe(status);
  return classifyHttpStatus('The service', failed.status, failed.detail).message;
}

describe('what a refused handshake shows', () => {
  it('never shows an HTML page from whoever answered', async () => {
    const message = await verdictFor(
      400,
      'text/html',
      '<html><body>Hotel Wi-Fi login SECRET-PORTAL-TOKEN <form action="/x"></form></body></html>',
    );
    expect(message).toBe('The service refused the connection (HTTP 400). Check the URL and model.');
  });

  it('never shows a plain-text body either', async () => {
    const message = await verdictFor(403, 'text/plain', 'internal-admin-panel root password hunter2');
    expect(message).not.toContain('hunter2');
    expect(message).toBe('The service rejected the API key (HTTP 403). Check the key.');
  });

  it('shows the service’s own JSON error message', async () => {
    const body = JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } });
    expect(await verdictFor(401, 'application/json', body)).toBe(
      'The service rejected the API key (HTTP 401: Incorrect API key provided.). Check the key.',
    );
  });

  it('ignores JSON of another shape', async () => {
    const message = await verdictFor(404, 'application/json', JSON.stringify({ secret: 'x'.repeat(50) }));
    expect(message).toBe('The service refused the connection (HTTP 404). Check the URL and model.');
  });
});

describe('serviceDetail', () => {
  it('keeps one bounded line and drops markup', () => {
    expect(serviceDetail('line one\n\tline\u0007 two')).toBe('line one line two');
    expect(serviceDetail('a'.repeat(500))).toHaveLength(200);
    expect(serviceDetail('<b>bold</b>')).toBe('');
  });
});
