import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WEB_BRIDGE_PROTOCOL, WEB_BRIDGE_TOKEN_PREFIX } from '../../shared/ipc/web-bridge-protocol.ts';

/**
 * Who may use the bridge. The token is the authority; the Host and Origin checks stop a web
 * page elsewhere from reaching the loopback server through DNS rebinding or a cross-site socket.
 */

/** Constant-time: compares digests, so neither the content nor the length leaks through timing. */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** `Host` header values this server answers to; null means any (bound to every interface). */
export function allowedHostHeaders(host: string, port: number): Set<string> | null {
  if (WILDCARD_HOSTS.has(host)) return null;
  const names = LOOPBACK_HOSTS.has(host)
    ? ['127.0.0.1', 'localhost', '[::1]']
    : [host.includes(':') ? `[${host}]` : host];
  return new Set(names.map((name) => `${name}:${port}`));
}

export function hostAllowed(request: IncomingMessage, allowed: Set<string> | null): boolean {
  if (allowed === null) return true;
  const host = request.headers.host?.toLowerCase();
  return host !== undefined && allowed.has(host);
}

/** A browser always sends Origin on a WebSocket; it must be this server's own page. */
export function originAllowed(request: IncomingMessage, allowed: Set<string> | null): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser: the token alone decides
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // "null" or garbage: a sandboxed frame or a forged header
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (allowed === null) return parsed.host.toLowerCase() === request.headers.host?.toLowerCase();
  return allowed.has(parsed.host.toLowerCase());
}

/** The token from `Sec-WebSocket-Protocol: earshot.bridge.v1, earshot.token.<hex>`. */
export function tokenFromProtocols(request: IncomingMessage): string | null {
  const header = request.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return null;
  const offered = header.split(',').map((p) => p.trim());
  if (!offered.includes(WEB_BRIDGE_PROTOCOL)) return null;
  const entry = offered.find((p) => p.startsWith(WEB_BRIDGE_TOKEN_PREFIX));
  return entry ? entry.slice(WEB_BRIDGE_TOKEN_PREFIX.length) : null;
}
