import { isIP } from 'node:net';

/** `host:port` for a URL, with IPv6 literals bracketed (given bare or bracketed). */
export function hostPort(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '');
  return isIP(bare) === 6 ? `[${bare}]:${port}` : `${bare}:${port}`;
}
