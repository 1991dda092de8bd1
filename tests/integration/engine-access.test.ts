import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startEngine, type RunningEngine } from '../../src/engine/engine.ts';
import { STREAMING_TEST_MODEL, requireSharedModels } from '../helpers/paths.ts';

/**
 * The engine on loopback answers loopback names only and no web page unless allowed: a page
 * the person visits cannot reach it by DNS rebinding (foreign Host) or a cross-site socket
 * (foreign Origin), token or not. Real engine, real upgrades.
 */
const ALLOWED_PAGE = 'https://captions.example';

let engine: RunningEngine;
beforeAll(async () => {
  requireSharedModels();
  engine = await startEngine({ modelDir: STREAMING_TEST_MODEL, workers: 1, allowedOrigins: [ALLOWED_PAGE] });
});
afterAll(async () => {
  await engine?.close();
});

/** The status of an upgrade with the right token (101 when accepted). */
function upgrade(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(engine.url, ['realtime'], {
      headers: { Authorization: `Bearer ${engine.token}`, ...headers },
      handshakeTimeout: 5_000,
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

function health(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: engine.port, path: '/health', headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error('no answer from /health within 5 s')));
    req.end();
  });
}

describe('who may reach the engine', () => {
  it('accepts a local client with the token (no Origin, loopback Host)', async () => {
    expect(await upgrade({})).toBe(101);
    expect(await upgrade({ Host: `localhost:${engine.port}` })).toBe(101);
  });

  it('refuses a foreign Host, even with the right token (DNS rebinding)', async () => {
    expect(await upgrade({ Host: `evil.example:${engine.port}` })).toBe(421);
    expect(await health(`evil.example:${engine.port}`)).toBe(421);
    expect(await health(`127.0.0.1:${engine.port}`)).toBe(200);
  });

  it('refuses a web page’s Origin unless it is allowed', async () => {
    expect(await upgrade({ Origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade({ Origin: `http://127.0.0.1:${engine.port + 1}` })).toBe(403);
    expect(await upgrade({ Origin: 'null' })).toBe(403);
    expect(await upgrade({ Origin: ALLOWED_PAGE })).toBe(101);
  });
});
