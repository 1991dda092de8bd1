import type { BrowserWindow } from 'electron';
import { createLogger } from '../platform/log/logger.ts';
import { crashPageUrl, isReloadRequest } from './shell/crash-page.ts';
import type { RendererLocation } from './shell/renderer-location.ts';
import { decideAfterRendererGone, RENDERER_RELOAD_POLICY, type ReloadPolicy } from './shell/renderer-reloads.ts';

const log = createLogger('window');

export interface RendererRecoveryOptions {
  readonly renderer: RendererLocation;
  readonly policy?: ReloadPolicy;
  /** The clock, for tests. */
  readonly now?: () => number;
  readonly logFile?: string | null;
}

/**
 * Brings a crashed renderer back: reloads it within the reload budget (renderer-reloads.ts),
 * then shows the crash page and waits for the person to press its Reload link. Main keeps
 * running throughout, and with it any session.
 */
export function setupRendererRecovery(window: BrowserWindow, options: RendererRecoveryOptions): void {
  const policy = options.policy ?? RENDERER_RELOAD_POLICY;
  const now = options.now ?? Date.now;
  const contents = window.webContents;
  let reloads: readonly number[] = [];
  let showingCrashPage = false;

  const load = (url: string, what: string): void => {
    window.loadURL(url).catch((error: unknown) => log.error(`could not load ${what}`, error));
  };

  contents.on('render-process-gone', (_event, details) => {
    log.error(`renderer gone (${details.reason}, exit code ${details.exitCode})`);
    if (window.isDestroyed()) return;
    // The crash page itself going away is not retried: that would be the loop this prevents.
    if (showingCrashPage) return;
    const decision = decideAfterRendererGone(details.reason, reloads, now(), policy);
    reloads = decision.reloads;
    switch (decision.action) {
      case 'ignore':
        return;
      case 'reload':
        log.warn(`reloading the renderer (${reloads.length} of ${policy.maxReloads} within ${policy.windowMs} ms)`);
        contents.reload();
        return;
      case 'show-crash-page':
        log.error(
          `the renderer crashed ${reloads.length + 1} times within ${policy.windowMs} ms; showing the crash page`,
        );
        showingCrashPage = true;
        load(
          crashPageUrl({
            reason: details.reason,
            exitCode: details.exitCode,
            crashes: reloads.length + 1,
            logFile: options.logFile ?? null,
          }),
          'the crash page',
        );
        return;
    }
  });

  contents.on('did-navigate-in-page', (_event, url, isMainFrame) => {
    if (!showingCrashPage || !isMainFrame || !isReloadRequest(url)) return;
    log.info('the person asked to reload the window');
    // A person's Reload is a fresh start: the automatic budget is full again.
    showingCrashPage = false;
    reloads = [];
    load(options.renderer.url, `the renderer from ${options.renderer.url}`);
  });
}
