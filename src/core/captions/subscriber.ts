import type { Duplex } from 'node:stream';
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
 *
 * Frames arrive already framed (protocol.ts) and are written straight to the upgraded socket,
 * corked until the end of the tick: a final and a partial published together leave in one
 * write. `ws.send` would re-frame per subscriber and make one syscall per message; measured
 * with 1,000 loopback sockets, that is 22 ms per message against 6 ms. `ws` still owns
 * reading, pings and the closing handshake; compression is off, so its writes and ours are
 * whole frames in call order.
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

/** Past this many times the bound, close at once: bounds memory whatever the publish rate. */
const HARD_CAP_FACTOR = 4;
const MAX_OUTSTANDING_PINGS = 16;
/** Client messages are ignored, but parsing a flood of them would steal time from everyone else. */
const MAX_CLIENT_MESSAGES_PER_SECOND = 50;

export interface SubscriberHooks {
  readonly onClosed: (info: SubscriberClosedInfo) => void;
  /** The socket was corked for this tick; the owner uncorks every such subscriber once, at the end of it. */
  readonly onCorked: (subscriber: Subscriber) => void;
}

export class Subscriber {
  readonly id: number;
  readonly #ws: WebSocket;
  /** The upgraded socket under `ws`, from the server's 'upgrade' event. */
  readonly #socket: Duplex;
  readonly #limits: SubscriberLimits;
  readonly #hooks: SubscriberHooks;
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
  #corked = false;
  #awaitingDrain = false;
  readonly #onDrain = (): void => {
    this.#awaitingDrain = false;
    this.#pump();
  };

  constructor(id: number, ws: WebSocket, socket: Duplex, limits: SubscriberLimits, hooks: SubscriberHooks) {
    this.id = id;
    this.#ws = ws;
    this.#socket = socket;
    this.#limits = limits;
    this.#hooks = hooks;
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
    this.#socket.off('drain', this.#onDrain);
    if (kind === 'dead') this.#ws.terminate();
    else if (kind !== 'client' && kind !== 'oversized' && kind !== 'protocol') this.#ws.close(code, reason);
    this.#hooks.onClosed(info);
  }

  /** Lets this tick's frames go out in one write; called by the owner at the end of the tick. */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }

  #pump(now?: number): void {
    if (this.#closed) return;
    const ackWindow = this.#limits.maxBacklogBytes / 2;
    while (this.#ws.readyState === this.#ws.OPEN && !this.#socket.writableNeedDrain) {
      if (this.#sentBytes - this.#ackedBytes >= ackWindow) {
        // Ask now rather than at the next heartbeat whether the peer has caught up.
        this.#probe();
        break;
      }
      const frame = this.#takeNext();
      if (!frame) break;
      this.#write(frame);
    }
    if (this.#socket.writableNeedDrain && !this.#awaitingDrain) {
      // The socket holds a full buffer: the rest waits here, where partials coalesce.
      this.#awaitingDrain = true;
      this.#socket.once('drain', this.#onDrain);
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

  #write(frame: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      this.#hooks.onCorked(this);
    }
    this.#sentBytes += frame.length;
    this.#socket.write(frame);
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
