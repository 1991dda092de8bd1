/** Directive name → its sources, in the order they are written. */
export type CspDirectives = Readonly<Record<string, readonly string[]>>;

export interface RendererCspOptions {
  /** The Vite dev server (http://localhost:5173): its hot-reload WebSocket must be reachable. */
  readonly devServerOrigin?: string;
  /**
   * `header` (the default): an HTTP response header, from Electron's session or the web
   * bridge. `meta`: the `<meta http-equiv>` tag in index.html, where browsers ignore
   * `frame-ancestors` (and warn about it), so it is left out; the header carries it.
   */
  readonly delivery?: 'header' | 'meta';
}

/**
 * The renderer's Content Security Policy, one source for every place it is delivered: the
 * Electron session's header, the web bridge's header and index.html's meta tag (a test
 * checks the tag). It needs no network: scripts and styles come from its own bundle, images
 * are its own or data: URLs, and nothing may frame it or be framed. Its only connections are
 * to its own origin: 'self' covers the web bridge's ws:// socket on the same host and port
 * (CSP Level 3), and Electron's renderer talks over IPC. During development the Vite dev
 * server also needs its HMR WebSocket.
 */
export function buildCsp(options: RendererCspOptions = {}): string {
  const connect = ["'self'"];
  // http://localhost:5173 → ws://localhost:5173 (https → wss): Vite's hot-reload socket.
  if (options.devServerOrigin) connect.push(options.devServerOrigin.replace(/^http/, 'ws'));
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    // Svelte transitions and Vite's dev CSS write inline styles; scripts stay strict.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': connect,
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'worker-src': ["'self'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  if (options.delivery !== 'meta') directives['frame-ancestors'] = ["'none'"];
  return formatCsp(directives);
}

/** `name source source; name source`: the policy's wire form, for any page's policy. */
export function formatCsp(directives: CspDirectives): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}
