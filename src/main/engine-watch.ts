import type { EngineHandle, LaunchEngine } from '../core/app/types.ts';
import { startLocalEngine, type LocalEngine, type StartLocalEngineOptions } from '../core/engine-host/launcher.ts';
import { createLogger } from '../platform/log/logger.ts';

const log = createLogger('engine-watch');

/**
 * Follows the embedded engine for the person: the core starts it (through `launch`), the
 * launcher restarts it after every crash for as long as the app runs (ENGINE_RESTART_POLICY),
 * and while it is down the tray says so, then clears once it is back. A running session
 * meanwhile shows "Reconnecting" and keeps its audio (the session's own retry).
 */
export interface EngineWatch {
  readonly launch: LaunchEngine;
  /** One line for the tray while the engine is down; null while it runs (or is not started). */
  readonly notice: string | null;
  /** Called on every change of `notice`; returns the unsubscribe. */
  onNotice(listener: (notice: string | null) => void): () => void;
}

export function engineDownNotice(attempt: number, willRestart: boolean): string {
  return willRestart
    ? `Local speech engine stopped; restarting it (attempt ${attempt})…`
    : 'Local speech engine stopped; restart Earshot to transcribe offline.';
}

export function createEngineWatch(
  start: (options: StartLocalEngineOptions) => Promise<LocalEngine> = startLocalEngine,
): EngineWatch {
  let notice: string | null = null;
  const listeners = new Set<(notice: string | null) => void>();
  const set = (next: string | null): void => {
    if (next === notice) return;
    notice = next;
    for (const listener of listeners) listener(next);
  };

  const launch: LaunchEngine = async (options) => {
    const engine = await start(options);
    engine.on('crash', (reason, attempt, willRestart) => {
      log.warn(`engine down (${reason}); ${willRestart ? `restart ${attempt} scheduled` : 'not restarting'}`);
      set(engineDownNotice(attempt, willRestart));
    });
    engine.on('restarted', () => set(null));
    const handle: EngineHandle = {
      url: engine.url,
      token: engine.token,
      on: (event, listener) => engine.on(event, listener),
      // Stopped on purpose (another model, quitting): nothing is down any more.
      stop: async () => {
        set(null);
        await engine.stop();
      },
    };
    return handle;
  };

  return {
    launch,
    get notice() {
      return notice;
    },
    onNotice: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
