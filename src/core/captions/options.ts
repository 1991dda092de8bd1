import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EarshotError, type ErrorCode } from '../../shared/errors.ts';
import type { SubscriberLimits } from './subscriber.ts';

export interface CaptionsServerOptions {
  /** Bind address. Default 127.0.0.1; with `allowLan`, 0.0.0.0 (every interface). */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Random (144 bits) when absent. Letters, digits and . _ ~ -; at least 16 characters off loopback. */
  token?: string;
  /** Listen on a non-loopback address. Off by default. */
  allowLan?: boolean;
  /** How many recent finals a joiner receives in its snapshot. Default 50. */
  snapshotSize?: number;
  /** Per-subscriber bound on unread bytes (queued here, in socket buffers, or unread by the peer). Default 64 KiB. */
  maxBacklogBytes?: number;
  /** How long a subscriber may stay over its bound before it is closed with 1013. Default 5 s. */
  stallTimeoutMs?: number;
  /** Heartbeat period. Default 2 s. */
  pingIntervalMs?: number;
  /** A peer that leaves a ping unanswered this long is terminated. Default 30 s. */
  heartbeatTimeoutMs?: number;
  /** Further connections get 503. Default 2000. */
  maxSubscribers?: number;
  /** A client message larger than this closes that client (1009). Default 4 KiB. */
  maxClientMessageBytes?: number;
}

export const CAPTIONS_DEFAULTS = {
  snapshotSize: 50,
  maxBacklogBytes: 64 * 1024,
  stallTimeoutMs: 5000,
  pingIntervalMs: 2000,
  heartbeatTimeoutMs: 30_000,
  maxSubscribers: 2000,
  maxClientMessageBytes: 4096,
  /** How long a closing subscriber has to answer the close frame before its socket is cut. */
  closeTimeoutMs: 5000,
} as const;

export interface ResolvedOptions extends SubscriberLimits {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly snapshotSize: number;
  readonly maxSubscribers: number;
  readonly maxClientMessageBytes: number;
  readonly closeTimeoutMs: number;
}

export function resolveOptions(opts: CaptionsServerOptions, host: string, token: string): ResolvedOptions {
  const d = CAPTIONS_DEFAULTS;
  return {
    host,
    token,
    port: integer('port', opts.port ?? 0, 0, 65_535),
    snapshotSize: integer('snapshotSize', opts.snapshotSize ?? d.snapshotSize, 0, 1000),
    maxBacklogBytes: integer('maxBacklogBytes', opts.maxBacklogBytes ?? d.maxBacklogBytes, 4096, 64 * 1024 * 1024),
    stallTimeoutMs: integer('stallTimeoutMs', opts.stallTimeoutMs ?? d.stallTimeoutMs, 100, 600_000),
    pingIntervalMs: integer('pingIntervalMs', opts.pingIntervalMs ?? d.pingIntervalMs, 50, 600_000),
    heartbeatTimeoutMs: integer('heartbeatTimeoutMs', opts.heartbeatTimeoutMs ?? d.heartbeatTimeoutMs, 100, 3_600_000),
    maxSubscribers: integer('maxSubscribers', opts.maxSubscribers ?? d.maxSubscribers, 1, 100_000),
    maxClientMessageBytes: integer(
      'maxClientMessageBytes',
      opts.maxClientMessageBytes ?? d.maxClientMessageBytes,
      64,
      1024 * 1024,
    ),
    closeTimeoutMs: d.closeTimeoutMs,
  };
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EarshotError(
      'CAPTIONS_START_FAILED',
      `Captions setting ${name} must be a whole number from ${min} to ${max}; got ${value}.`,
    );
  }
  return value;
}

/** Listens, turning the OS's refusals into errors a person can act on. */
export function listen(http: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      http.off('listening', onListening);
      reject(listenError(error, host, port));
    };
    const onListening = (): void => {
      http.off('error', onError);
      resolve((http.address() as AddressInfo).port);
    };
    http.once('error', onError);
    http.once('listening', onListening);
    http.listen(port, host);
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): EarshotError {
  const fail = (code: ErrorCode, message: string): EarshotError => new EarshotError(code, message, { cause: error });
  switch (error.code) {
    case 'EADDRINUSE':
      return fail(
        'CAPTIONS_PORT_IN_USE',
        `Port ${port} on ${host} is already in use by another program. Choose another captions port.`,
      );
    case 'EACCES':
      return fail(
        'CAPTIONS_START_FAILED',
        `Not allowed to listen on port ${port} (ports below 1024 need administrator rights). Choose a port above 1024.`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return fail('CAPTIONS_START_FAILED', `${host} is not an address of this computer. Choose another captions host.`);
    default:
      return fail('CAPTIONS_START_FAILED', `The captions server could not listen on ${host}:${port}: ${error.message}`);
  }
}
