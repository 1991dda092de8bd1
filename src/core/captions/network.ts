import { networkInterfaces } from 'node:os';
import { isLoopbackHost, isWildcardHost, type HostRule } from '../../platform/net/host-guard.ts';

/** Where the captions server may listen, which address its URLs show, and which Host it answers. */

export const DEFAULT_LOOPBACK_HOST = '127.0.0.1';
/** With LAN access on and no host given: every interface, so other machines can reach it. */
export const DEFAULT_LAN_HOST = '0.0.0.0';

/**
 * The host to put in URLs a person copies: a wildcard bind is not an address anyone can
 * connect to, so show this machine's first LAN IPv4 address instead.
 */
export function displayHost(bindHost: string): string {
  if (isWildcardHost(bindHost)) return firstLanAddress() ?? DEFAULT_LOOPBACK_HOST;
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

/**
 * On a loopback-only server, a request naming another host is a DNS-rebinding attempt (a web
 * page whose domain now resolves to 127.0.0.1): refuse it. Tools that send no Host pass, and
 * any port does (the token is the authority). Open to the LAN, people reach the server by
 * whatever name or address they have for this machine, so every name is answered.
 */
export function captionsHostRule(bindHost: string): HostRule {
  return isLoopbackHost(bindHost) ? { names: 'loopback', allowMissing: true } : { names: 'any' };
}
