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

/**
 * True when `url` is our renderer page: the exact index file, or any page of the dev server.
 * Total: it never throws. Navigation guards and IPC sender checks ask it first, so anything it
 * cannot read (not a string, not a URL, malformed `%` escapes) is foreign.
 */
export function isOwnRendererUrl(url: unknown, location: RendererLocation): boolean {
  if (typeof url !== 'string') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (location.kind === 'dev-server') return parsed.origin === location.origin;
  const own = new URL(location.url);
  if (parsed.protocol !== 'file:' || parsed.host !== own.host) return false;
  // Every file:// page shares the opaque "null" origin, so compare the path itself, decoded
  // (Chromium and Node may escape the same path differently).
  const path = decodePath(parsed.pathname);
  return path !== null && path === decodePath(own.pathname);
}

/** The decoded path, or null when its `%` escapes are malformed (decodeURIComponent throws URIError). */
function decodePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

/** Links a person clicks open in their browser, and only web links: no file:, smb:, custom schemes. */
export function isExternalUrlAllowed(url: unknown): boolean {
  if (typeof url !== 'string') return false;
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
