import { app, shell, type Session, type WebContents } from 'electron';
import { createLogger } from '../platform/log/logger.ts';
import { buildCsp } from '../shared/csp.ts';
import { isExternalUrlAllowed, isOwnRendererUrl, type RendererLocation } from './shell/renderer-location.ts';

const log = createLogger('security');

/**
 * Session-wide rules: our CSP on every response (the renderer's <meta> tag says the same for
 * file:// pages, which have no headers), and every permission denied — capture is native, so
 * the page never needs the microphone, camera, notifications or anything else.
 */
export function setupSessionSecurity(session: Session, renderer: RendererLocation): void {
  const csp = buildCsp(renderer.kind === 'dev-server' ? { devServerOrigin: renderer.origin } : {});
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [csp],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn(`denied a permission request: ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event, item) => {
    // Exports are Blob links the renderer made (blob: URLs exist only in the page that created
    // them, and only our renderer ever loads): Electron asks the person where to save. Anything
    // fetched from elsewhere is refused.
    if (item.getURL().startsWith('blob:')) return;
    log.warn(`blocked a download of ${item.getURL()}`);
    event.preventDefault();
  });
}

/**
 * Rules for every web page Electron creates: it stays on our renderer. Navigating away,
 * opening windows and attaching webviews are refused; a web link (http/https only) opens in
 * the person's browser instead.
 */
export function setupContentSecurity(renderer: RendererLocation): void {
  app.on('web-contents-created', (_event, contents) => secureContents(contents, renderer));
}

export function secureContents(contents: WebContents, renderer: RendererLocation): void {
  // Each guard decides with isOwnRendererUrl (total: never throws, a URL it cannot read is
  // foreign) and calls preventDefault before doing anything else that could throw, so a
  // malformed URL can never let a navigation through.
  contents.on('will-navigate', (event) => {
    if (isOwnRendererUrl(event.url, renderer)) return;
    event.preventDefault();
    leave(event.url, 'a navigation');
  });
  contents.on('will-redirect', (event) => {
    if (isOwnRendererUrl(event.url, renderer)) return;
    event.preventDefault();
    log.warn(`blocked a redirect to ${describeUrl(event.url)}`);
  });
  contents.setWindowOpenHandler(({ url }) => {
    leave(url, 'a new window');
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('blocked a <webview>');
  });
}

/** A web link goes to the person's browser; anything else is only logged. Never throws. */
function leave(url: unknown, how: string): void {
  try {
    if (typeof url === 'string' && isExternalUrlAllowed(url)) {
      shell.openExternal(url).catch((error: unknown) => log.warn(`could not open ${url} in the browser`, error));
    } else {
      log.warn(`blocked ${how} to ${describeUrl(url)}`);
    }
  } catch (error) {
    log.warn(`blocked ${how}; handing it to the browser failed`, error);
  }
}

/** Enough of a URL for the log, whatever it is. */
function describeUrl(url: unknown): string {
  return typeof url === 'string' ? url.slice(0, 200) : `a ${typeof url} instead of a URL`;
}
