import type { WebSocket } from 'ws';
import { isClientPing, PONG_FRAME } from './protocol.ts';

/**
 * One connected subscriber and its flow control. The broadcaster hands every subscriber the
 * same encoded frame and returns at once: nothing here ever waits for a peer.
 *
 * Backlog is everything the peer has not yet shown it has read: frames queued here, plus
 * bytes handed to the socket but not yet acknowledged. The socket's `bufferedAmount` alone
 * is not enough, because the kernel silently absorbs megabytes for a peer that stopped
 * reading (4 MB measured on loopback). So each ping carries the stream offset at the time it
 * was sent; its pong proves the peer read everything before it. The backlog is the larger of
 * that and `bufferedAmount`, so a client forging pongs cannot hide memory it costs us.
 */

export interface SubscriberLimits {
  /** A backlog above this for `stallTimeoutMs` closes the subscriber with 1013. */
  readonly maxBacklogBytes: number;
  readonly stallTimeoutMs: number;
  /** How often to ping (the heartbeat, and how fresh the read offset is). */
  readonly pingIntervalMs: number;
  /** A ping unanswered this long means the peer is dead: terminated without a handshake. */
  readonly heartbeatTimeoutMs: number;
}

export type SubscriberCloseKind =
  | 'slow' // backlog over the bound for too long: 1013
  | 'dead' // heartbeat unanswered: terminated
  | 'oversized' // sent a message over maxPayload: 1009 (by ws)
  | 'flood' // sent too many messages: 1008
  | 'protocol' // broke the WebSocket protocol
  | 'client' // the peer closed
  | 'server'; // the server is shutting down: 1001

export interface SubscriberClosedInfo {
  readonly id: number;
  readonly kind: SubscriberCloseKind;
  readonly code: number;
  readonly reason: string;
  /** Backlog when the decision was taken. */
  readonly backlogBytes: number;
  /** How long the backlog had been over the bound (0 if it was not). */
  readonly overBoundMs: number;
  readonly connectedMs: number;
}

/** Hand no more to the socket while it holds this much; the rest waits here where partials coalesce. */
const SOCKET_WINDOW_BYTES = 64 * 1024;
/** Past this many times the bound, close at once: bounds memory whatever the publish rate. */
const HARD_CAP_FACTOR = 4;
const MAX_OUTSTANDING_PINGS = 16;
/** Client messages are ignored, but parsing a flood of them would steal time from everyone else. */
const MAX_CLIENT_MESSAGES_PER_SECOND = 50;

export class Subscriber {
  readonly id: number;
  readonly #ws: WebSocket;
  readonly #limits: SubscriberLimits;
  readonly #onClosed: (info: SubscriberClosedInfo) => void;
  readonly #connectedAt: number;
  /** Finals, session changes, the snapshot and pongs, in order. */
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** Only the latest partial is worth sending; it goes after every queued final. */
  #partial: { readonly frame: Buffer; readonly segmentId: string } | null = null;
  #sentBytes = 0;
  #ackedBytes = 0;
  readonly #outstandingPings: { readonly offset: number; readonly sentAt: number }[] = [];
  #nextPingAt: number;
  #overBoundSince: number | null = null;
  #messageWindowStart = 0;
  #messagesInWindow = 0;
  #closed = false;
  readonly #onFlushed = (error?: Error | null): void => {
    if (!error) this.#pump();
  };

  constructor(id: number, ws: WebSocket, limits: SubscriberLimits, onClosed: (info: SubscriberClosedInfo) => void) {
    this.id = id;
    this.#ws = ws;
    this.#limits = limits;
    this.#onClosed = onClosed;
    this.#connectedAt = performance.now();
    // Spread first pings over an interval so a thousand joiners do not ping in one tick.
    this.#nextPingAt = this.#connectedAt + Math.random() * limits.pingIntervalMs;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes this subscriber owes us: queued here plus sent but not yet confirmed read. */
  backlogBytes(): number {
    const unconfirmed = Math.max(this.#ws.bufferedAmount, this.#sentBytes - this.#ackedBytes);
    return this.#queuedBytes + (this.#partial?.frame.length ?? 0) + unconfirmed;
  }

  /** Finals, session messages, the snapshot: never dropped while the subscriber lives. */
  enqueue(frame: Buffer): void {
    if (this.#closed) return;
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    this.#pump();
  }

  enqueueFinal(frame: Buffer, segmentId: string): void {
    // The final supersedes its own partial; a newer segment's partial still goes after it.
    if (this.#partial?.segmentId === segmentId) this.#partial = null;
    this.enqueue(frame);
  }

  offerPartial(frame: Buffer, segmentId: string): void {
    if (this.#closed) return;
    this.#partial = { frame, segmentId };
    this.#pump();
  }

  handleClientMessage(data: Buffer, isBinary: boolean, now = performance.now()): void {
    if (this.#closed) return;
    if (now - this.#messageWindowStart >= 1000) {
      this.#messageWindowStart = now;
      this.#messagesInWindow = 0;
    }
    if (++this.#messagesInWindow > MAX_CLIENT_MESSAGES_PER_SECOND) {
      this.close('flood', 1008, `more than ${MAX_CLIENT_MESSAGES_PER_SECOND} client messages per second`);
      return;
    }
    if (isClientPing(data, isBinary)) this.enqueue(PONG_FRAME);
  }

  handlePong(data: Buffer): void {
    if (this.#closed) return;
    const offset = Number(data.toString('latin1'));
    // Only a pong echoing one of our pings counts; unsolicited pongs prove nothing about reading.
    const index = this.#outstandingPings.findIndex((p) => p.offset === offset);
    if (index < 0) return;
    this.#outstandingPings.splice(0, index + 1);
    this.#ackedBytes = Math.max(this.#ackedBytes, offset);
    this.#pump();
  }

  /** Periodic housekeeping from the server's sweep: heartbeat, stall detection, a retry of the pump. */
  tick(now: number): void {
    if (this.#closed) return;
    const oldestPing = this.#outstandingPings[0];
    if (oldestPing && now - oldestPing.sentAt > this.#limits.heartbeatTimeoutMs) {
      this.close('dead', 1006, `no pong for ${Math.round((now - oldestPing.sentAt) / 1000)} s`);
      return;
    }
    if (now >= this.#nextPingAt) {
      this.#nextPingAt = now + this.#limits.pingIntervalMs;
      this.#ping(now);
    }
    this.#pump(now);
  }

  close(kind: SubscriberCloseKind, code: number, reason: string, now = performance.now()): void {
    if (this.#closed) return;
    this.#closed = true;
    const info: SubscriberClosedInfo = {
      id: this.id,
      kind,
      code,
      reason,
      backlogBytes: this.backlogBytes(),
      overBoundMs: this.#overBoundSince === null ? 0 : Math.round(now - this.#overBoundSince),
      connectedMs: Math.round(now - this.#connectedAt),
    };
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.#partial = null;
    // A dead peer would never answer a closing handshake; a live one deserves the reason.
    if (kind === 'dead') this.#ws.terminate();
    else if (kind !== 'client' && kind !== 'oversized' && kind !== 'protocol') this.#ws.close(code, reason);
    this.#onClosed(info);
  }

  #pump(now?: number): void {
    if (this.#closed) return;
    const ackWindow = this.#limits.maxBacklogBytes / 2;
    while (this.#ws.readyState === this.#ws.OPEN && this.#ws.bufferedAmount < SOCKET_WINDOW_BYTES) {
      if (this.#sentBytes - this.#ackedBytes >= ackWindow) {
        // Ask now rather than at the next heartbeat whether the peer has caught up.
        this.#probe();
        break;
      }
      const frame = this.#takeNext();
      if (!frame) break;
      this.#send(frame);
    }
    this.#checkBacklog(now ?? performance.now());
  }

  #takeNext(): Buffer | undefined {
    const frame = this.#queue.shift();
    if (frame) {
      this.#queuedBytes -= frame.length;
      return frame;
    }
    const partial = this.#partial;
    this.#partial = null;
    return partial?.frame;
  }

  #send(frame: Buffer): void {
    this.#sentBytes += frame.length;
    // A callback costs a closure call per frame; only a backed-up socket needs to tell us when it drains.
    if (this.#ws.bufferedAmount > 0) this.#ws.send(frame, { binary: false }, this.#onFlushed);
    else this.#ws.send(frame, { binary: false });
  }

  #probe(): void {
    const last = this.#outstandingPings.at(-1);
    if (!last || last.offset < this.#sentBytes) this.#ping(performance.now());
  }

  #ping(now: number): void {
    if (this.#outstandingPings.length >= MAX_OUTSTANDING_PINGS) return;
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#outstandingPings.push({ offset: this.#sentBytes, sentAt: now });
    this.#ws.ping(Buffer.from(String(this.#sentBytes), 'latin1'));
  }

  #checkBacklog(now: number): void {
    const backlog = this.backlogBytes();
    const bound = this.#limits.maxBacklogBytes;
    if (backlog <= bound) {
      this.#overBoundSince = null;
      return;
    }
    this.#overBoundSince ??= now;
    const overFor = now - this.#overBoundSince;
    if (backlog > bound * HARD_CAP_FACTOR || overFor >= this.#limits.stallTimeoutMs) {
      const kib = Math.round(backlog / 1024);
      this.close('slow', 1013, `too slow: ${kib} KiB unread for ${(overFor / 1000).toFixed(1)} s; reconnect`, now);
    }
  }
}
