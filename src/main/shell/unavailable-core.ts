import { toErrorPayload } from '../../shared/errors.ts';
import { invokeChannels } from '../../shared/ipc/contract.ts';
import { idleSnapshot, type SessionSnapshot } from '../../shared/session.ts';
import { defaultSettings } from '../../shared/settings.ts';
import type { AppCore } from '../../core/app/types.ts';
import type { HandlerTable } from '../../core/ipc/handlers.ts';

/**
 * The core to run when the real one failed to start: the window and tray still come up and
 * show why (every request answers with the startup error), instead of the app vanishing.
 */
export function unavailableCore(reason: unknown, info: { version: string; platform: string }): AppCore {
  const error = toErrorPayload(reason);
  const snapshot: SessionSnapshot = { ...idleSnapshot(), state: 'error', error };
  const refuse = (): Promise<never> => Promise.reject(reason instanceof Error ? reason : new Error(String(reason)));
  const table: Record<string, (payload: unknown) => unknown> = {};
  for (const channel of invokeChannels) table[channel] = refuse;
  const handlers = {
    ...(table as HandlerTable),
    'app.info': () => ({ version: info.version, platform: info.platform, transport: 'ipc' as const }),
    'renderer.ready': () => null,
    'session.get': () => snapshot,
    'settings.get': () => defaultSettings(),
  } satisfies HandlerTable;
  return {
    handlers,
    subscribe: (sink) => {
      sink('status', snapshot);
      return () => {};
    },
    dispose: () => Promise.resolve(),
  };
}
