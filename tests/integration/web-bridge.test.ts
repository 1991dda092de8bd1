import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import { EarshotError } from '../../src/shared/errors.ts';
import { buildApi } from '../../src/shared/ipc/api.ts';
import type { EventChannel, EventPayload } from '../../src/shared/ipc/contract.ts';
import { WEB_BRIDGE_PROTOCOL, WEB_BRIDGE_TOKEN_PREFIX } from '../../src/shared/ipc/web-bridge-protocol.ts';
import { idleSnapshot } from '../../src/shared/session.ts';
import { createWebTransport, type BridgeState, type WebTransport } from '../../src/renderer/src/lib/web-transport.ts';
import type { EventSink, HandlerTable } from '../../src/core/ipc/handlers.ts';
import { startWebBridge, type WebBridge } from '../../src/core/bridge/web-bridge.ts';
import { within } from '../helpers/wait.ts';

/** A handler table with a few real answers; every other channel says it is not available. */
function smallCore() {
  const sinks = new Set<EventSink>();
  let release: (() => void) | null = null;
  let reachedStop: () => void = () => undefined;
  const stopReached = new Promise<void>((resolve) => (reachedStop = resolve));
  const answers: Record<string, (payload: never) => unknown> = {
    'session.get': () => idleSnapshot('local'),
    'history.search': ({ query }: { query: string }) => [
      {
        id: 's1',
        title: `match ${query}`,
        startedAt: 1,
        endedAt: 2,
        durationMs: 1,
        segmentCount: 1,
        provider: 'local',
        recovered: false,
      },
    ],
    'transcript.clear': () => {
      throw new EarshotError('SESSION_BUSY');
    },
    'transcript.get': () => {
      throw new TypeError('a bug');
    },
    // Answers only when the test says so: lets a test drop the link mid-request.
    'session.stop': () =>
      new Promise((resolve) => {
        release = () => resolve(idleSnapshot('local'));
        reachedStop();
      }),
  };
  const handlers = new Proxy(answers, {
    get: (target, key: string) =>
      target[key] ??
      (() => {
        throw new EarshotError('NOT_AVAILABLE');
      }),
  }) as unknown as HandlerTable;
  return {
    handlers,
    subscribe(sink: EventSink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    emit<E extends EventChannel>(event: E, payload: EventPayload<E>) {
      for (const sink of sinks) sink(event, payload);
    },
    get sinkCount() {
      return sinks.size;
    },
    release: () => release?.(),
    stopReached,
  };
}

function httpGet(url: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a raw `ws` socket and resolves with how the upgrade went. */
function rawConnect(bridge: WebBridge, protocols: string[], origin?: string) {
  return new Promise<{ ws: WsClient | null; status: number | null }>((resolve) => {
    const ws = new WsClient(bridge.wsUrl, protocols, origin ? { origin } : {});
    ws.on('open', () => resolve({ ws, status: null }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ ws: null, status: res.statusCode ?? 0 });
      res.resume();
    });
    ws.on('error', () => resolve({ ws: null, status: -1 }));
  });
}

function waitFor<T>(what: string, register: (done: (value: T) => void) => void, timeoutMs = 5000): Promise<T> {
  return within(new Promise<T>(register), { what, timeoutMs });
}

function waitForState(transport: WebTransport, wanted: BridgeState) {
  return waitFor<{ reconnected: boolean }>(`bridge state "${wanted}"`, (done) => {
    if (transport.state === wanted) done({ reconnected: false });
    const off = transport.onState((state, info) => {
      if (state === wanted) {
        off();
        done(info);
      }
    });
  });
}

describe('web bridge', () => {
  let dir: string;
  let core: ReturnType<typeof smallCore>;
  let bridge: WebBridge;
  const transports: WebTransport[] = [];

  const connectTransport = (token = bridge.token) => {
    const transport = createWebTransport({ url: bridge.wsUrl, token, retryDelaysMs: [20], maxAttempts: 3 });
    transports.push(transport);
    return transport;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'earshot-bridge-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Earshot</title>');
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
    // A file beside the served folder: a path escaping the folder would find it.
    await writeFile(join(dir, '..', `${basename(dir)}-secret.txt`), 'secret');
    core = smallCore();
    bridge = await startWebBridge({ core, staticDir: dir });
  });

  afterEach(async () => {
    for (const t of transports.splice(0)) t.close();
    await bridge.close();
    await rm(dir, { recursive: true, force: true });
    await rm(join(dir, '..', `${basename(dir)}-secret.txt`), { force: true });
  });

  it('serves the built renderer with its security headers, and nothing outside it', async () => {
    expect(bridge.host).toBe('127.0.0.1');
    expect(bridge.pageUrl).toBe(`${bridge.origin}/#token=${bridge.token}`);
    const page = await httpGet(bridge.origin, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Earshot</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect((await httpGet(bridge.origin, '/assets/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await httpGet(bridge.origin, `/..%2f${basename(dir)}-secret.txt`)).status).toBe(404);
    expect((await httpGet(bridge.origin, `/../${basename(dir)}-secret.txt`)).status).toBe(404);
    expect((await httpGet(bridge.origin, '/%E0%A4%A')).status).toBe(404);
    expect((await httpGet(bridge.origin, '/missing.js')).status).toBe(404);
    expect((await httpGet(bridge.origin, '/', {}, 'POST')).status).toBe(405);
  });

  it('answers only to its own host name (no DNS rebinding)', async () => {
    expect((await httpGet(bridge.origin, '/', { Host: `evil.example:${bridge.port}` })).status).toBe(421);
    expect((await httpGet(bridge.origin, '/', { Host: `localhost:${bridge.port}` })).status).toBe(200);
  });

  it('refuses a socket without the right token or from another origin, before the upgrade', async () => {
    expect((await rawConnect(bridge, [WEB_BRIDGE_PROTOCOL])).status).toBe(401);
    expect(
      (await rawConnect(bridge, [WEB_BRIDGE_PROTOCOL, `${WEB_BRIDGE_TOKEN_PREFIX}${'0'.repeat(64)}`])).status,
    ).toBe(401);
    const good = [WEB_BRIDGE_PROTOCOL, `${WEB_BRIDGE_TOKEN_PREFIX}${bridge.token}`];
    expect((await rawConnect(bridge, good, 'http://evil.example')).status).toBe(403);
    const ok = await rawConnect(bridge, good, bridge.origin);
    expect(ok.status).toBeNull();
    // The token is never echoed back in the handshake.
    expect(ok.ws!.protocol).toBe(WEB_BRIDGE_PROTOCOL);
    ok.ws!.close();
  });

  it('rejects a token that is not hex', async () => {
    await expect(startWebBridge({ core, staticDir: dir, token: 'not a token' })).rejects.toMatchObject({
      code: 'USAGE',
    });
  });

  it('refuses to start without a built renderer, saying what to run', async () => {
    await expect(startWebBridge({ core, staticDir: join(dir, 'nope') })).rejects.toMatchObject({
      code: 'BRIDGE_UNAVAILABLE',
    });
    await expect(startWebBridge({ core, staticDir: join(dir, 'nope') })).rejects.toThrow(/npm run build/);
  });

  it('carries invokes through the real handler table, with contract validation and errors as data', async () => {
    const api = buildApi(connectTransport());
    expect(await api.session.get()).toEqual({ ok: true, value: idleSnapshot('local') });
    const found = await api.history.search({ query: 'fox' });
    expect(found.ok && found.value[0]?.title).toBe('match fox');
    expect(await api.history.search({ query: '' })).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await api.transcript.clear()).toMatchObject({ ok: false, error: { code: 'SESSION_BUSY' } });
    expect(await api.transcript.get()).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(await api.models.list()).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
  });

  it('forwards core events to every connected page', async () => {
    const first = buildApi(connectTransport());
    const second = buildApi(connectTransport());
    await Promise.all([first.session.get(), second.session.get()]);
    const snapshot = { ...idleSnapshot('local'), state: 'streaming' as const, sessionId: 'abc' };
    const got = Promise.all(
      [first, second].map((api) =>
        waitFor<unknown>('a status event', (done) => {
          const off = api.onStatus((s) => {
            off();
            done(s);
          });
        }),
      ),
    );
    core.emit('status', snapshot);
    expect(await got).toEqual([snapshot, snapshot]);
    expect(bridge.clientCount).toBe(2);
  });

  it('answers malformed requests without dropping the connection', async () => {
    const { ws } = await rawConnect(bridge, [WEB_BRIDGE_PROTOCOL, `${WEB_BRIDGE_TOKEN_PREFIX}${bridge.token}`]);
    const replies: unknown[] = [];
    ws!.on('message', (data: Buffer) => replies.push(JSON.parse(data.toString('utf8'))));
    const next = (what: string) =>
      waitFor<unknown>(what, (done) => ws!.once('message', (data: Buffer) => done(JSON.parse(data.toString('utf8')))));
    ws!.send('not json');
    ws!.send(JSON.stringify({ seq: 7, channel: 42 }));
    expect(await next('the answer to a malformed request')).toMatchObject({
      type: 'result',
      seq: 7,
      result: { ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } },
    });
    ws!.send(JSON.stringify({ seq: 8, channel: 'no.such' }));
    expect(await next('the answer to an unknown channel')).toMatchObject({
      seq: 8,
      result: { ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL' } },
    });
    expect(replies).toHaveLength(2);
    const closed = waitFor<number>('close after a binary frame', (done) =>
      ws!.once('close', (code: number) => done(code)),
    );
    ws!.send(Buffer.from([1, 2, 3]));
    expect(await closed).toBe(1003);
  });

  it('fails requests in flight when the link drops, then reconnects by itself', async () => {
    const transport = connectTransport();
    const api = buildApi(transport);
    await waitForState(transport, 'open');
    const pending = api.session.stop();
    await waitFor<void>('the stop request to reach the core', (done) => void core.stopReached.then(done));
    const reopened = waitForState(transport, 'reconnecting').then(() => waitForState(transport, 'open'));
    // Drop every server-side socket, as a crash or sleep would.
    await bridge.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'BRIDGE_DISCONNECTED' } });
    core.release();
    bridge = await startWebBridge({ core, staticDir: dir, port: bridge.port, token: bridge.token });
    expect(await reopened).toEqual(expect.objectContaining({ reconnected: true }));
    expect((await api.session.get()).ok).toBe(true);
    expect(core.sinkCount).toBe(1);
  });

  it('gives up after its attempts and then fails requests at once', async () => {
    const transport = connectTransport('f'.repeat(64));
    await waitForState(transport, 'closed');
    expect(await buildApi(transport).session.get()).toMatchObject({
      ok: false,
      error: { code: 'BRIDGE_DISCONNECTED' },
    });
  });
});
