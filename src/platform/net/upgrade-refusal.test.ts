import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { refuseUpgrade } from './upgrade-refusal.ts';

interface Refusal {
  status: number;
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Connects a real client and resolves with the HTTP response it got instead of a socket. */
function refusalSeenBy(url: string): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body }),
      );
    });
  });
}

describe('refuseUpgrade', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serverThatRefuses(status: number, message: string, headers?: Record<string, string>) {
    server = createServer();
    server.on('upgrade', (_req, socket) => refuseUpgrade(socket, status, message, headers));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('answers with the status, its standard reason phrase and the message as plain text', async () => {
    const refusal = await refusalSeenBy(await serverThatRefuses(421, 'Only requests addressed to this computer.'));
    expect(refusal.status).toBe(421);
    expect(refusal.statusMessage).toBe('Misdirected Request');
    expect(refusal.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(refusal.headers['connection']).toBe('close');
    expect(refusal.body).toBe('Only requests addressed to this computer.\n');
  });

  it('adds the headers a status calls for', async () => {
    const url = await serverThatRefuses(401, 'Missing or wrong token.', { 'WWW-Authenticate': 'Bearer' });
    const refusal = await refusalSeenBy(url);
    expect(refusal.status).toBe(401);
    expect(refusal.headers['www-authenticate']).toBe('Bearer');
  });
});
