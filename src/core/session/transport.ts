import type { Logger } from '../../platform/log/logger.ts';
import type { ConnectRequest, WireMessage } from '../providers/types.ts';

/**
 * The socket under a provider connection, reduced to what the session uses. The app opens a
 * WebSocket (websocket-transport.ts); socket-free tests open a scripted one in memory. Either
 * reports what happened to the socket through its listener, never synchronously from inside
 * one of the calls below (a real socket answers later, over the network).
 */
export interface Transport {
  /** Sends a frame if the socket is open; before it opens or after it closed the frame is dropped. */
  send(message: WireMessage): void;
  ping(): void;
  /** A normal close (1000) of an open socket: the peer flushes and answers; one not open yet is dropped. */
  close(reason: string): void;
  /** Drops the socket at once (dead peer, expiry, giving up). */
  terminate(): void;
  /** Bytes sent but still queued on our side (the peer or the network is slower than we send); 0 if unknown. */
  bufferedAmount?(): number;
}

export interface TransportListener {
  opened(): void;
  message(data: Buffer, isBinary: boolean): void;
  pong(): void;
  /** The socket never opened: refused, an HTTP status instead of the upgrade, a network error. */
  failed(status: number | null, detail: string): void;
  /** The open socket closed: a close frame, or 1006 when the network dropped it. */
  closed(code: number, reason: string): void;
}

export interface TransportOptions {
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
}

export type OpenTransport = (
  request: ConnectRequest,
  options: TransportOptions,
  listener: TransportListener,
) => Transport;
