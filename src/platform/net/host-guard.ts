import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/**
 * Which `Host` (and, for browsers, `Origin`) a local server answers to. The token is the
 * authority; these checks stop a web page elsewhere from reaching a loopback server through
 * DNS rebinding (its own domain now resolving to 127.0.0.1, so its `Host` names that domain)
 * or from opening a cross-site WebSocket (its `Origin` names that site).
 */

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '[::1]') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** An address that binds every interface: not one anybody can connect to by that name. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

export interface HostRule {
  /**
   * `any` answers every name (bound to every interface, or reached over the LAN by whatever
   * name people use); `loopback` answers only loopback names; a list answers exactly those.
   */
  readonly names: 'any' | 'loopback' | readonly string[];
  /** When set, the `Host` must name this port too. */
  readonly port?: number;
  /** Whether a request without `Host` passes: HTTP/1.0 and plain tools may omit it, browsers never do. */
  readonly allowMissing?: boolean;
}

/** The strict rule for a server bound to `bindHost`: only the names and port it listens on. */
export function hostRuleFor(bindHost: string, port: number): HostRule {
  if (isWildcardHost(bindHost)) return { names: 'any' };
  if (isLoopbackHost(bindHost)) return { names: 'loopback', port };
  return { names: [bracketed(bindHost).toLowerCase()], port };
}

/**
 * The names this machine answers to: every interface address (IPv6 bracketed, zone dropped),
 * its host name and `<name>.local`, and the loopback names. What a person on the network
 * types to reach a server bound to every interface.
 */
export function machineNames(
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
  machine: string = hostname(),
): string[] {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) names.add(bracketed(entry.address.replace(/%.*$/, '')).toLowerCase());
  }
  const name = machine.trim().toLowerCase();
  if (name !== '') {
    names.add(name);
    if (!name.endsWith('.local')) names.add(`${name}.local`);
  }
  return [...names];
}

/**
 * Like `hostRuleFor`, but a wildcard bind answers only this machine's own names (and the
 * port) instead of any name: a DNS-rebound name still fails, whatever interface it came in on.
 */
export function machineHostRuleFor(
  bindHost: string,
  port: number,
  names: readonly string[] = machineNames(),
): HostRule {
  return isWildcardHost(bindHost) ? { names, port } : hostRuleFor(bindHost, port);
}

export function hostAllowed(request: IncomingMessage, rule: HostRule): boolean {
  return hostValueAllowed(request.headers.host, rule);
}

/** A browser always sends `Origin` on a WebSocket; it must be this server's own page. */
export function originAllowed(request: IncomingMessage, rule: HostRule): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser: the token alone decides
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // "null" or garbage: a sandboxed frame or a forged header
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  // Any name goes, but a page on another port of this machine is still another site.
  if (rule.names === 'any') return parsed.host === request.headers.host?.toLowerCase();
  return hostValueAllowed(parsed.host, rule);
}

function hostValueAllowed(value: string | undefined, rule: HostRule): boolean {
  if (rule.names === 'any') return true;
  if (value === undefined) return rule.allowMissing ?? false;
  const host = parseHost(value);
  if (host === null) return false;
  if (rule.port !== undefined && host.port !== rule.port) return false;
  return rule.names === 'loopback' ? isLoopbackHost(host.name) : rule.names.includes(host.name);
}

/** `name[:port]` with IPv6 names bracketed, lowercased; null when it is not that shape. */
function parseHost(value: string): { name: string; port: number | null } | null {
  const match = /^(\[[0-9a-f:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/i.exec(value);
  if (!match) return null;
  return { name: match[1]!.toLowerCase(), port: match[2] === undefined ? null : Number(match[2]) };
}

function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}
