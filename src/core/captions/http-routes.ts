import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionState } from '../../shared/session.ts';
import { hostAllowed, type HostRule } from '../../platform/net/host-guard.ts';
import { isAuthorized } from './auth.ts';
import { OVERLAY_CSP, OVERLAY_HTML, UNAUTHORIZED_HTML } from './overlay-page.ts';

/** Plain HTTP on the captions port: the overlay page and the health check. */

export interface RouteContext {
  readonly token: string;
  readonly hostRule: HostRule;
  health(): { state: SessionState; subscribers: number };
}

const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // The overlay URL carries the token: never leak it to another site.
  'Referrer-Policy': 'no-referrer',
} as const;

export function requestUrl(req: IncomingMessage): URL {
  // The base only anchors relative parsing; the Host header is not trusted for anything here.
  return new URL(req.url ?? '/', 'http://captions.invalid');
}

export function handleHttpRequest(req: IncomingMessage, res: ServerResponse, context: RouteContext): void {
  if (!hostAllowed(req, context.hostRule)) {
    send(
      res,
      421,
      'text/plain; charset=utf-8',
      'This captions server only answers requests addressed to this computer.\n',
    );
    return;
  }
  const url = requestUrl(req);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD are supported.\n');
    return;
  }
  switch (url.pathname) {
    case '/health':
      send(res, 200, 'application/json', `${JSON.stringify(context.health())}\n`);
      return;
    case '/overlay':
      if (!isAuthorized(req, context.token)) {
        send(res, 401, 'text/html; charset=utf-8', UNAUTHORIZED_HTML);
        return;
      }
      res.setHeader('Content-Security-Policy', OVERLAY_CSP);
      send(res, 200, 'text/html; charset=utf-8', OVERLAY_HTML);
      return;
    default:
      send(
        res,
        404,
        'text/plain; charset=utf-8',
        'Not found. The overlay page is at /overlay?token=…, subscribers connect to /captions.\n',
      );
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': contentType, 'Content-Length': bytes.length });
  // HEAD gets the headers (and so the status the overlay checks for) without the body.
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}
