import { formatCsp } from '../csp.ts';

/**
 * The hidden capture page's policy: it runs its own bundled script and AudioWorklet module
 * (both governed by script-src) and nothing else — no network, no images, no styles, no frames.
 * `meta` leaves out frame-ancestors, which browsers ignore in a meta tag.
 */
export function buildCaptureCsp(delivery: 'header' | 'meta' = 'header'): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'connect-src': ["'none'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  if (delivery === 'header') directives['frame-ancestors'] = ["'none'"];
  return formatCsp(directives);
}
