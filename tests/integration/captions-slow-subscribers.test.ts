import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startCaptionsServer, type CaptionsServer, type SubscriberClosedInfo } from '../../src/core/captions/server.ts';
import { within as boundWait } from '../helpers/wait.ts';

/**
 * Slow subscribers must not hold the rest back: a small, fast version of the load bench
 * (bench/suites/captions.ts) that checks correctness only. Stalled clients are real sockets
 * that stop reading (`ws.pause()`), so the kernel buffers fill exactly as with a hung peer.
 */

interface Segment {
  type: string;
  id?: string;
  text?: string;
  final?: boolean;
}

class Subscriber {
  readonly ws: WebSocket;
  readonly finals: string[] = [];
  readonly partials: Segment[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  #onMessage: ((m: Segment) => void) | null = null;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('error', () => {}); // surfaced through 'close' and the assertions
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('close', (code) => reject(new Error(`closed (${code}) before opening`)));
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
    this.ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as Segment;
      if (m.type === 'segment' && m.final) this.finals.push(m.id!);
      if (m.type === 'segment' && !m.final) this.partials.push(m);
      this.#onMessage?.(m);
    });
  }

  /** Resolves when a message matching `match` arrives (or has arrived as the latest final). */
  until(what: string, match: (m: Segment) => boolean, ms = 15_000): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        this.#onMessage = (m) => {
          if (match(m)) resolve();
        };
      }),
      what,
      ms,
    );
  }
}

function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  return boundWait(promise, { what, timeoutMs: ms });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let server: CaptionsServer | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
  server = undefined;
});

describe('captions server with slow subscribers', () => {
  it('delivers every final in order to 45 healthy subscribers while 5 stalled ones are closed with 1013', async () => {
    const maxBacklogBytes = 48 * 1024;
    server = await startCaptionsServer({ maxBacklogBytes, stallTimeoutMs: 500, pingIntervalMs: 100 });
    const url = `${server.url}?token=${server.token}`;
    const healthy = Array.from({ length: 45 }, () => new Subscriber(url));
    const stalled = Array.from({ length: 5 }, () => new Subscriber(url));
    for (const s of [...healthy, ...stalled]) sockets.push(s.ws);
    await within(Promise.all([...healthy, ...stalled].map((s) => s.opened)), '50 subscribers to connect');
    for (const s of stalled) s.ws.pause();

    const closes: SubscriberClosedInfo[] = [];
    server.on('subscriber-closed', (info) => closes.push(info));
    const allStalledClosed = within(
      new Promise<void>((resolve) =>
        server!.on('subscriber-closed', () => closes.length >= stalled.length && resolve()),
      ),
      'the 5 stalled subscribers to be closed',
    );
    let stalledClosed = false;
    void allStalledClosed.then(() => (stalledClosed = true)).catch(() => undefined);

    // Publish ~1 KB finals with partials in between until the stalled ones are gone (bounded
    // count). At most ~120 KB/s, so a stalled backlog crosses the bound and then waits out
    // the stall timeout instead of hitting the hard cap (tested separately below).
    const published: string[] = [];
    const text = 'lorem ipsum dolor sit amet '.repeat(40);
    for (let i = 0; i < 5000 && !stalledClosed; i++) {
      server.publishTranscript({ segmentId: `s${i}`, text: `${text.slice(0, 200)}`, isFinal: false });
      server.publishTranscript({ segmentId: `s${i}`, text, isFinal: true, startMs: i * 100, endMs: i * 100 + 90 });
      published.push(`s${i}`);
      await sleep(10);
    }
    await allStalledClosed;
    const endId = 'end';
    const allReceived = Promise.all(
      healthy.map((s) => s.until('the last final', (m) => m.id === endId && m.final === true)),
    );
    server.publishTranscript({ segmentId: endId, text: 'the end', isFinal: true });
    published.push(endId);
    await allReceived;

    for (const s of healthy) expect(s.finals).toEqual(published);
    expect(closes.map((c) => c.kind)).toEqual(['slow', 'slow', 'slow', 'slow', 'slow']);
    for (const c of closes) {
      expect(c.code).toBe(1013);
      expect(c.reason).toMatch(/too slow: \d+ KiB unread/);
      expect(c.overBoundMs).toBeGreaterThanOrEqual(500);
      expect(c.backlogBytes).toBeGreaterThan(maxBacklogBytes);
    }
    expect(server.subscriberCount).toBe(healthy.length);

    // A stalled peer that wakes up reads what it was sent, then the close frame with the reason.
    for (const s of stalled) s.ws.resume();
    const codes = await within(
      Promise.all(stalled.map((s) => s.closed)),
      'the stalled peers to read their close frame',
    );
    expect(codes).toEqual([1013, 1013, 1013, 1013, 1013]);
  });

  it('closes at once a subscriber whose backlog bursts past four times the bound', async () => {
    const maxBacklogBytes = 16 * 1024;
    server = await startCaptionsServer({ maxBacklogBytes, stallTimeoutMs: 60_000 });
    const stalled = new Subscriber(`${server.url}?token=${server.token}`);
    const healthy = new Subscriber(`${server.url}?token=${server.token}`);
    sockets.push(stalled.ws, healthy.ws);
    await within(Promise.all([stalled.opened, healthy.opened]), 'the subscribers to connect');
    stalled.ws.pause();
    const closed = within(
      new Promise<SubscriberClosedInfo>((resolve) => server!.once('subscriber-closed', resolve)),
      'the burst to close the stalled subscriber',
    );
    const ids = Array.from({ length: 200 }, (_, i) => `b${i}`);
    const healthyDone = healthy.until('the last burst final', (m) => m.id === ids.at(-1));
    // Bursts of 8 KB with a breath between: the healthy peer keeps up, the stalled one cannot.
    for (const [i, id] of ids.entries()) {
      server.publishTranscript({ segmentId: id, text: 'x'.repeat(1000), isFinal: true });
      if (i % 8 === 7) await sleep(1);
    }
    const info = await closed;
    expect(info).toMatchObject({ kind: 'slow', code: 1013 });
    // Closed on the frame that crossed the cap, long before the 60 s stall timeout.
    expect(info.overBoundMs).toBeLessThan(60_000);
    expect(info.backlogBytes).toBeLessThanOrEqual(4 * maxBacklogBytes + 1100);
    await healthyDone;
    expect(healthy.finals).toEqual(ids);
    expect(server.subscriberCount).toBe(1);
  });

  it('coalesces partials for a subscriber that cannot keep up, but never drops a final', async () => {
    server = await startCaptionsServer({ maxBacklogBytes: 64 * 1024, stallTimeoutMs: 60_000, pingIntervalMs: 100 });
    const slow = new Subscriber(`${server.url}?token=${server.token}`);
    sockets.push(slow.ws);
    await within(slow.opened, 'the subscriber to connect');
    slow.ws.pause();

    server.publishTranscript({ segmentId: 'first', text: 'first final', isFinal: true });
    const partials = 120;
    for (let n = 1; n <= partials; n++) {
      server.publishTranscript({ segmentId: 'p', text: `${n} ${'word '.repeat(200)}`, isFinal: false });
    }
    const latest = `${partials} `;
    const sawLatest = slow.until('the latest partial', (m) => m.final === false && m.text!.startsWith(latest));
    slow.ws.resume();
    await sawLatest;
    const gotFinal = slow.until('the final', (m) => m.id === 'p' && m.final === true);
    server.publishTranscript({ segmentId: 'p', text: 'settled text', isFinal: true });
    await gotFinal;

    expect(slow.finals).toEqual(['first', 'p']);
    // The ack window (half the bound) held back the rest; of those only the newest went out.
    expect(slow.partials.length).toBeLessThan(partials);
    expect(slow.partials.at(-1)!.text!.startsWith(latest)).toBe(true);
    const numbers = slow.partials.map((p) => Number(p.text!.split(' ')[0]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(server.subscriberCount).toBe(1);
  });
});
