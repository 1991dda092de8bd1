/**
 * Where our renderer is served from: the built `index.html` on disk (file://) in a packaged or
 * previewed app, or the Vite dev server during `npm run dev`. Everything that decides "is this
 * our page?" (IPC sender checks, navigation, CSP) asks this one description.
 */
export type RendererLocation =
  | { readonly kind: 'file'; readonly url: string }
  | { readonly kind: 'dev-server'; readonly url: string; readonly origin: string };

export function fileRenderer(indexFileUrl: string): RendererLocation {
  return { kind: 'file', url: new URL(indexFileUrl).href };
}

/** Only a loopback http(s) dev server is accepted, so a stray env var cannot load a remote page with our preload. */
export function devServerRenderer(url: string): RendererLocation {
  const parsed = new URL(url);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (!loopback || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new Error(`the renderer dev server must be on loopback http(s), not ${parsed.origin}`);
  }
  return { kind: 'dev-server', url: parsed.href, origin: parsed.origin };
}

/** True when `url` is our renderer page: the exact index file, or any page of the dev server. */
export function isOwnRendererUrl(url: string, location: RendererLocation): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (location.kind === 'dev-server') return parsed.origin === location.origin;
  const own = new URL(location.url);
  // Every file:// page shares the opaque "null" origin, so compare the path itself.
  return (
    parsed.protocol === 'file:' &&
    parsed.host === own.host &&
    decodeURIComponent(parsed.pathname) === decodeURIComponent(own.pathname)
  );
}

/** Links a person clicks open in their browser, and only web links: no file:, smb:, custom schemes. */
export function isExternalUrlAllowed(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
      parsed.hostname !== '' &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}
