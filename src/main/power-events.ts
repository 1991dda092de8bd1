import type { Net, PowerMonitor } from 'electron';

/** How often the network's state is looked at: Electron's main process has no online event. */
const NETWORK_POLL_MS = 2_000;

export interface PowerEventSources {
  readonly powerMonitor: Pick<PowerMonitor, 'on' | 'off'>;
  readonly net: Pick<Net, 'isOnline'>;
}

/**
 * Wake from sleep and the network coming back are when a session waiting out its backoff should
 * try the service at once (`retryNow`), not when its timer says. Returns the teardown.
 */
export function setupPowerEvents(
  sources: PowerEventSources,
  retryNow: () => void,
  pollMs = NETWORK_POLL_MS,
): () => void {
  const onResume = (): void => retryNow();
  sources.powerMonitor.on('resume', onResume);
  sources.powerMonitor.on('unlock-screen', onResume);
  let online = sources.net.isOnline();
  const timer = setInterval(() => {
    const now = sources.net.isOnline();
    if (now && !online) retryNow();
    online = now;
  }, pollMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    sources.powerMonitor.off('resume', onResume);
    sources.powerMonitor.off('unlock-screen', onResume);
  };
}
