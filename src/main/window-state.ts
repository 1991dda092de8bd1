import { app, screen } from 'electron';
import { createLogger } from '../platform/log/logger.ts';
import { fitToDisplays, loadWindowState, saveWindowState, type WindowBounds } from './shell/window-state.ts';

const log = createLogger('window-state');

export interface WindowStatePersistence {
  /** Last session's bounds, fitted to the displays attached now; null the first time. */
  readonly initial: WindowBounds | null;
  save(bounds: WindowBounds): void;
}

/** The window opens where and how big it was last time (window-state.json in userData). */
export async function setupWindowState(): Promise<WindowStatePersistence> {
  const dir = app.getPath('userData');
  const saved = await loadWindowState(dir);
  const initial = saved
    ? fitToDisplays(
        saved,
        screen.getAllDisplays().map((d) => d.workArea),
      )
    : null;
  return {
    initial,
    save: (bounds) => {
      saveWindowState(dir, bounds).catch((error: unknown) => log.warn('could not remember the window position', error));
    },
  };
}
