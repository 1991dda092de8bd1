import { createHash } from 'node:crypto';
import { formatCsp } from '../../shared/csp.ts';
import { errorMessage } from '../../shared/errors.ts';

/**
 * The page the window shows once the renderer has crashed too often (renderer-reloads.ts): a
 * self-contained data: URL, so it loads even when the app's own files are what crashes. It
 * has no script at all (script-src 'none') and reaches nothing: its one style is allowed by
 * hash. The preload still runs in the window, but main refuses every IPC call from a page that
 * is not our renderer, so the page can do exactly one thing: its Reload link jumps to
 * `#reload`, an in-page navigation main sees (did-navigate-in-page) and answers by loading the
 * app again. No channel, no verb, nothing to abuse.
 */
export const RELOAD_FRAGMENT = '#reload';

const STYLE = [
  'body{font:15px/1.5 system-ui,sans-serif;margin:0;padding:48px;background:#1e1f22;color:#e8e8ea}',
  'main{max-width:34em}h1{font-size:20px;margin:0 0 12px}p{margin:0 0 12px}',
  '.detail{color:#a9abb3;font-size:13px}',
  'a.button{display:inline-block;margin-top:8px;padding:8px 18px;border-radius:6px;background:#3d7bfd;',
  'color:#fff;text-decoration:none;font-weight:600}a.button:focus{outline:2px solid #fff;outline-offset:2px}',
].join('');

/** The page's policy: nothing but its own inline style, allowed by hash. */
export function crashPageCsp(): string {
  const hash = createHash('sha256').update(STYLE, 'utf8').digest('base64');
  return formatCsp({
    'default-src': ["'none'"],
    'script-src': ["'none'"],
    'style-src': [`'sha256-${hash}'`],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  });
}

export interface CrashPageDetails {
  /** Electron's RenderProcessGoneDetails. */
  readonly reason: string;
  readonly exitCode: number;
  readonly crashes: number;
  /** The log file, where the crash is recorded; shown so a person can attach it to a report. */
  readonly logFile?: string | null;
}

export function crashPageHtml(details: CrashPageDetails): string {
  const log = details.logFile ? ` Details are in the log file: ${escapeHtml(details.logFile)}` : '';
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${crashPageCsp()}">`,
    '<title>Earshot</title>',
    `<style>${STYLE}</style></head><body><main>`,
    '<h1>Earshot’s window stopped working</h1>',
    `<p>${escapeHtml(errorMessage('RENDERER_CRASHED'))}</p>`,
    `<p class="detail">It stopped ${details.crashes} times in a row (${escapeHtml(details.reason)}, exit code ${details.exitCode}).${log}</p>`,
    `<a class="button" href="${RELOAD_FRAGMENT}" autofocus>Reload</a>`,
    '</main></body></html>',
  ].join('');
}

export function crashPageUrl(details: CrashPageDetails): string {
  return `data:text/html;charset=utf-8;base64,${Buffer.from(crashPageHtml(details), 'utf8').toString('base64')}`;
}

/** True when an in-page navigation is the crash page's Reload link being followed. */
export function isReloadRequest(url: unknown): boolean {
  if (typeof url !== 'string' || !url.startsWith('data:')) return false;
  try {
    return new URL(url).hash === RELOAD_FRAGMENT;
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
