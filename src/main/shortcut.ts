import { globalShortcut } from 'electron';
import { createLogger } from '../platform/log/logger.ts';
import { checkGlobalAccelerator } from './shell/accelerator.ts';

const log = createLogger('shortcut');

export type ShortcutStatus =
  | { readonly state: 'registered'; readonly accelerator: string }
  | { readonly state: 'disabled' }
  | { readonly state: 'failed'; readonly accelerator: string; readonly reason: string };

export interface ShortcutController {
  /** Switches to another accelerator ('' turns the shortcut off). */
  apply(accelerator: string): ShortcutStatus;
  readonly status: ShortcutStatus;
  dispose(): void;
}

/** The global shortcut that starts and stops listening from any app (settings.globalShortcut). */
export function setupGlobalShortcut(accelerator: string, onToggle: () => void): ShortcutController {
  let status: ShortcutStatus = { state: 'disabled' };

  const release = (): void => {
    if (status.state === 'registered') globalShortcut.unregister(status.accelerator);
  };

  const apply = (next: string): ShortcutStatus => {
    const wanted = next.trim();
    if (status.state === 'registered' && status.accelerator === wanted) return status;
    release();
    if (wanted === '') {
      status = { state: 'disabled' };
      return status;
    }
    const check = checkGlobalAccelerator(wanted);
    if (!check.ok) {
      status = { state: 'failed', accelerator: wanted, reason: check.reason };
    } else if (globalShortcut.register(wanted, onToggle)) {
      status = { state: 'registered', accelerator: wanted };
    } else {
      // register() returns false when another app (or the OS) already owns the combination.
      status = { state: 'failed', accelerator: wanted, reason: `${wanted} is already used by another application` };
    }
    if (status.state === 'failed') log.warn(`global shortcut not set: ${status.reason}`);
    else log.info(`global shortcut ${wanted} toggles listening`);
    return status;
  };

  apply(accelerator);
  return {
    apply,
    get status() {
      return status;
    },
    dispose: () => {
      release();
      status = { state: 'disabled' };
    },
  };
}
