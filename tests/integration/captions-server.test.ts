import { createServer } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EarshotError } from '../../src/shared/errors.ts';
import { startCaptionsServer, type CaptionsServer, type SubscriberClosedInfo } from '../../src/core/captions/server.ts';
import { within as boundWait } from '../helpers/wait.ts';

/** The captions server against real `ws` clients on loopback: protocol, auth, isolation of bad clients. */

type Message = Record<string, unknown> & { type: string };

/** A subscriber that records every message; `next()` waits for the next one that matches. */
class TestClient {
  readonly ws: WebSocket;
  /** Received and not yet taken by next(). */
  readonly messages: Message[] = [];
  #waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, protocols?: string[], options?: ConstructorParameters<typeof WebSocket>[2]) {
    this.ws = new WebSocket(url, protocols, options);
    this.ws.on('error', () => {}); // failures surface through 'close' and the assertions below
    this.ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as Message;
      // A message goes to the first waiter it matches, or stays unread for a later next().
      const waiter = this.#waiters.find((w) => w.match(message));
      if (!waiter) {
        this.messages.push(message);
        return;
      }
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    });
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  opened(): Promise<void> {
    return within(
      new Promise<void>((resolve, reject) => {
        this.ws.once('open', () => resolve());
        this.ws.once('close', (code) => reject(new Error(`closed (${code}) before opening`)));
      }),
      'the client to connect',
    );
  }

  next(what: string, match: (m: Message) => boolean = () => true): Promise<Message> {
    const seen = this.messages.find(match);
    if (seen) {
      this.messages.splice(this.messages.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return within(new Promise<Message>((resolve) => this.#waiters.push({ match, resolve })), what);
  }
}

function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  return boundWait(promise, { what, timeoutMs: ms });
}

function closedWith(server: CaptionsServer, kind: SubscriberClosedInfo['kind']): Promise<SubscriberClosedInfo> {
  return within(
    new Promise<SubscriberClosedInfo>((resolve) => {
      const listener = (info: SubscriberClosedInfo): void => {
        if (info.kind !== kind) return;
        server.off('subscriber-closed', listener);
        resolve(info);
      };
      server.on('subscriber-closed', listener);
    }),
    `the server to close a subscriber as ${kind}`,
  );
}

/** Status of a refused upgrade: ws reports it through 'unexpected-response'. */
function upgradeStatus(url: string, protocols?: string[]): Promise<number> {
  return within(
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('error', () => {});
    }),
    'the upgrade response',
  );
}

function httpGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return within(
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    }),
    `HTTP ${method} ${path}`,
  );
}

let server: CaptionsServer | undefined;
const clients: TestClient[] = [];

function client(path = '', protocols?: string[], options?: ConstructorParameters<typeof WebSocket>[2]): TestClient {
  const c = new TestClient(`${server!.url}${path}`, protocols, options);
  clients.push(c);
  return c;
}

function withToken(): string {
  return `?token=${server!.token}`;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await server?.close();
  server = undefined;
});

describe('captions server', () => {
  it('gives a late joiner the snapshot: last N finals, the partial and the session state', async () => {
    server = await startCaptionsServer({ snapshotSize: 3 });
    server.publishSession('streaming');
    for (let i = 1; i <= 5; i++)
      server.publishTranscript({
        segmentId: `s${i}`,
        text: `final ${i}`,
        isFinal: true,
        startMs: i * 1000,
        endMs: i * 1000 + 900,
      });
    server.publishTranscript({ segmentId: 's6', text: 'in prog', isFinal: false, startMs: 6000 });

    const late = client(withToken());
    const snapshot = await late.next('the snapshot');
    expect(snapshot).toEqual({
      type: 'snapshot',
      state: 'streaming',
      segments: [3, 4, 5].map((i) => ({
        id: `s${i}`,
        text: `final ${i}`,
        final: true,
        start_ms: i * 1000,
        end_ms: i * 1000 + 900,
      })),
      partial: { id: 's6', text: 'in prog', final: false, start_ms: 6000, end_ms: null },
    });
  });

  it('streams partials, finals and session changes in order; a new session clears the snapshot', async () => {
    server = await startCaptionsServer();
    const c = client(withToken());
    await c.next('the snapshot', (m) => m.type === 'snapshot');
    server.publishTranscript({ segmentId: 'a', text: 'hel', isFinal: false });
    server.publishTranscript({ segmentId: 'a', text: 'hello', isFinal: true, startMs: 0, endMs: 500 });
    server.publishTranscript({ segmentId: 'a', text: 'late partial', isFinal: false }); // stale: dropped
    server.publishSession('stopping');
    expect(await c.next('the partial')).toEqual({
      type: 'segment',
      id: 'a',
      text: 'hel',
      final: false,
      start_ms: null,
      end_ms: null,
    });
    expect(await c.next('the final')).toEqual({
      type: 'segment',
      id: 'a',
      text: 'hello',
      final: true,
      start_ms: 0,
      end_ms: 500,
    });
    expect(await c.next('the session change')).toEqual({ type: 'session', state: 'stopping' });

    server.publishSession('starting');
    const fresh = client(withToken());
    expect(await fresh.next('the snapshot of a new session')).toMatchObject({
      segments: [],
      partial: null,
      state: 'starting',
    });
  });

  it('refuses a wrong or missing token with 401 and accepts the browser subprotocol form', async () => {
    server = await startCaptionsServer({ token: 'correct-horse-battery-staple' });
    expect(await upgradeStatus(`${server.url}?token=wrong`)).toBe(401);
    expect(await upgradeStatus(server.url)).toBe(401);
    expect(await upgradeStatus(server.url, ['earshot-captions', 'earshot-token.wrong'])).toBe(401);
    expect(await upgradeStatus(`${server.url.replace('/captions', '/elsewhere')}${withToken()}`)).toBe(404);

    const browserStyle = client('', ['earshot-captions', `earshot-token.${server.token}`]);
    await browserStyle.opened();
    // The server picks the plain protocol name and never echoes the token back.
    expect(browserStyle.ws.protocol).toBe('earshot-captions');
    expect(await browserStyle.next('the snapshot')).toMatchObject({ type: 'snapshot' });
    expect(server.subscriberCount).toBe(1);
  });

  it('serves /health, the overlay only with the token and a strict CSP, and refuses rebinding hosts', async () => {
    server = await startCaptionsServer();
    server.publishSession('streaming');
    const c = client(withToken());
    await c.opened();

    const health = await httpGet(server.port, '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ state: 'streaming', subscribers: 1 });

    const overlay = await httpGet(server.port, `/overlay?token=${server.token}&size=60`);
    expect(overlay.status).toBe(200);
    expect(overlay.headers['content-type']).toMatch(/^text\/html/);
    expect(overlay.headers['content-security-policy']).toMatch(
      /default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self'/,
    );
    expect(overlay.headers['referrer-policy']).toBe('no-referrer');
    expect(overlay.body).toContain('<div id="captions"');
    expect(new URL(server.overlayUrl).pathname).toBe('/overlay');

    expect((await httpGet(server.port, '/overlay?token=nope')).status).toBe(401);
    expect((await httpGet(server.port, '/overlay', {}, 'HEAD')).status).toBe(401);
    expect((await httpGet(server.port, '/nothing-here')).status).toBe(404);
    expect((await httpGet(server.port, '/health', {}, 'POST')).status).toBe(405);
    expect((await httpGet(server.port, '/health', { Host: 'attacker.example:80' })).status).toBe(421);
    expect(server.status()).toMatchObject({
      running: true,
      subscribers: 1,
      port: server.port,
      overlayUrl: server.overlayUrl,
    });
  });

  it('ignores junk from a client, answers its pings, and leaves everyone else alone', async () => {
    server = await startCaptionsServer();
    const noisy = client(withToken());
    const quiet = client(withToken());
    await Promise.all([
      noisy.next('snapshot', (m) => m.type === 'snapshot'),
      quiet.next('snapshot', (m) => m.type === 'snapshot'),
    ]);
    for (const junk of ['not json', '{"type":"publish","text":"spoofed"}', '[]', 'null', '{"type":'])
      noisy.ws.send(junk);
    noisy.ws.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true });
    noisy.ws.send('{"type":"ping"}');
    expect(await noisy.next('the pong')).toEqual({ type: 'pong' });

    server.publishTranscript({ segmentId: 'x', text: 'still here', isFinal: true });
    for (const c of [noisy, quiet])
      expect(await c.next('the final after junk')).toMatchObject({ id: 'x', text: 'still here' });
    expect(server.subscriberCount).toBe(2);
  });

  it('closes only the sender of an oversized message (1009) or a flood of messages (1008)', async () => {
    server = await startCaptionsServer({ maxClientMessageBytes: 1024 });
    const big = client(withToken());
    const flood = client(withToken());
    const bystander = client(withToken());
    await Promise.all([big, flood, bystander].map((c) => c.next('snapshot', (m) => m.type === 'snapshot')));

    const oversized = closedWith(server, 'oversized');
    big.ws.send('x'.repeat(10_000));
    expect((await within(big.closed, 'the oversized sender to be closed')).code).toBe(1009);
    await oversized;

    const flooded = closedWith(server, 'flood');
    for (let i = 0; i < 200; i++) flood.ws.send('{"type":"hello"}');
    expect((await within(flood.closed, 'the flooding client to be closed')).code).toBe(1008);
    await flooded;

    server.publishTranscript({ segmentId: 'y', text: 'bystander unaffected', isFinal: true });
    expect(await bystander.next('the final for the bystander')).toMatchObject({ id: 'y' });
    expect(server.subscriberCount).toBe(1);
  });

  it('terminates a peer that stops answering pings, and keeps one that answers', async () => {
    server = await startCaptionsServer({ pingIntervalMs: 100, heartbeatTimeoutMs: 600 });
    const dead = client(withToken(), undefined, { autoPong: false });
    const alive = client(withToken());
    await Promise.all([dead.opened(), alive.opened()]);
    const info = await closedWith(server, 'dead');
    expect(info.reason).toMatch(/no pong/);
    await within(dead.closed, 'the dead peer socket to close');
    server.publishTranscript({ segmentId: 'z', text: 'alive gets this', isFinal: true });
    expect(await alive.next('the final for the live peer', (m) => m.type === 'segment')).toMatchObject({ id: 'z' });
    expect(server.subscriberCount).toBe(1);
  });

  it('reports subscriber counts, and closing says goodbye with 1001', async () => {
    server = await startCaptionsServer();
    const counts: number[] = [];
    server.on('subscribers', (n) => counts.push(n));
    const a = client(withToken());
    const b = client(withToken());
    await Promise.all([a.opened(), b.opened()]);
    const bGone = closedWith(server, 'client');
    b.ws.close(1000, 'bye');
    expect(await bGone).toMatchObject({ code: 1000, reason: 'bye' });
    await server.close();
    expect((await within(a.closed, 'the goodbye')).code).toBe(1001);
    expect(counts).toEqual([1, 2, 1, 0]);
    expect(server.status()).toMatchObject({ running: false, overlayUrl: null, captionsUrl: null, subscribers: 0 });
  });

  it('reports a port in use as CAPTIONS_PORT_IN_USE', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      await expect(startCaptionsServer({ port })).rejects.toMatchObject({ code: 'CAPTIONS_PORT_IN_USE' });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('stays on loopback unless LAN is allowed, and then demands a strong token', async () => {
    await expect(startCaptionsServer({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'CAPTIONS_HOST_NOT_ALLOWED' });
    await expect(startCaptionsServer({ host: '192.168.1.20' })).rejects.toBeInstanceOf(EarshotError);
    await expect(startCaptionsServer({ allowLan: true, token: 'short' })).rejects.toMatchObject({
      code: 'CAPTIONS_TOKEN_INVALID',
    });
    await expect(startCaptionsServer({ token: 'has spaces' })).rejects.toMatchObject({
      code: 'CAPTIONS_TOKEN_INVALID',
    });
    await expect(startCaptionsServer({ port: 70_000 })).rejects.toMatchObject({ code: 'CAPTIONS_START_FAILED' });
    server = await startCaptionsServer();
    expect(server.host).toBe('127.0.0.1');
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
