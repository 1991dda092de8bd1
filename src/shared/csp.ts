/**
 * The renderer's Content Security Policy. It needs no network: scripts and styles come from
 * its own bundle, images are its own or data: URLs, and nothing may frame it or be framed.
 * During development the Vite dev server also needs its HMR WebSocket.
 */
export function buildCsp(options: { readonly devServerOrigin?: string } = {}): string {
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
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}
