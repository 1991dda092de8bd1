import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Where the captions server may listen and which address its URLs show. */

export const DEFAULT_LOOPBACK_HOST = '127.0.0.1';
/** With LAN access on and no host given: every interface, so other machines can reach it. */
export const DEFAULT_LAN_HOST = '0.0.0.0';

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '[::1]') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The host to put in URLs a person copies: a wildcard bind is not an address anyone can
 * connect to, so show this machine's first LAN IPv4 address instead.
 */
export function displayHost(bindHost: string): string {
  if (isWildcard(bindHost)) return firstLanAddress() ?? DEFAULT_LOOPBACK_HOST;
  return bindHost;
}

export function firstLanAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return null;
}

/** `host:port` for a URL, with IPv6 literals bracketed. */
export function hostPort(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '');
  return isIP(bare) === 6 ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/**
 * On a loopback-only server, a request naming another host is a DNS-rebinding attempt
 * (a web page whose domain now resolves to 127.0.0.1); refuse it.
 */
export function isAllowedHostHeader(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return true; // HTTP/1.0 and plain tools may omit it
  const name = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.split(':')[0];
  return name !== undefined && isLoopbackHost(name);
}
