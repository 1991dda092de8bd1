import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { dispatchInvoke, type EventSink, type HandlerTable } from '../core/ipc/handlers.ts';
import { createLogger } from '../platform/log/logger.ts';
import { isOwnRendererUrl, type RendererLocation } from './shell/renderer-location.ts';
import { IPC_PREFIX, invokeChannels, type EventChannel, type InvokeChannel } from '../shared/ipc/contract.ts';
import { fail, type Result } from '../shared/result.ts';

const log = createLogger('ipc');

export interface IpcRegistryOptions {
  readonly ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  readonly handlers: HandlerTable;
  readonly renderer: RendererLocation;
  /** Events kept per window while it is not ready yet; the oldest go first past this. */
  readonly maxQueuedEvents?: number;
}

export interface IpcRegistry {
  /** Lets this window's top frame call us and receive events (once it says it is ready). */
  trackWindow(contents: WebContents): void;
  /** Pushes an event to every tracked window: sent if it is ready, queued until it is. */
  readonly send: EventSink;
  dispose(): void;
}

/**
 * Events where only the latest value matters: while a window is not ready, a newer one
 * replaces the queued one instead of piling up (levels arrive 50 times a second).
 */
const LATEST_ONLY: ReadonlySet<EventChannel> = new Set<EventChannel>([
  'status',
  'level',
  'health',
  'devicesChanged',
  'models',
  'captions',
  'settings',
  'history',
]);

interface WindowState {
  readonly contents: WebContents;
  ready: boolean;
  queue: { event: EventChannel; payload: unknown }[];
  overflowed: boolean;
}

/**
 * The only place main listens to the renderer. Every invoke channel of the contract is
 * registered here through one function that, in order: checks the sender (a window we
 * created, its top frame, showing our own page), validates the payload against the
 * contract, runs the handler, and answers with a Result — never a thrown error, which
 * would cross `ipcMain.handle` as a bare string.
 */
export function setupIpc(options: IpcRegistryOptions): IpcRegistry {
  const windows = new Map<number, WindowState>();
  const maxQueued = options.maxQueuedEvents ?? 1000;

  const handle = async (
    channel: InvokeChannel,
    event: IpcMainInvokeEvent,
    payload: unknown,
  ): Promise<Result<unknown>> => {
    const state = windows.get(event.sender.id);
    const refusal = state ? refuseSender(event, options.renderer) : 'a window Earshot did not create';
    if (refusal !== null || !state) {
      log.warn(`refused ${channel}: sender is ${refusal ?? 'unknown'} (${event.senderFrame?.url ?? 'no frame'})`);
      return fail(
        'IPC_FORBIDDEN_SENDER',
        `Refused ${channel}: the request came from ${refusal ?? 'an unknown sender'}.`,
      );
    }
    if (channel === 'renderer.ready') markReady(state);
    return dispatchInvoke(options.handlers, channel, payload, (ch, error) =>
      log.error(`handler ${ch} failed unexpectedly`, error),
    );
  };

  for (const channel of invokeChannels) {
    options.ipcMain.handle(IPC_PREFIX + channel, (event, payload: unknown) => handle(channel, event, payload));
  }

  function markReady(state: WindowState): void {
    state.ready = true;
    const queued = state.queue;
    state.queue = [];
    for (const { event, payload } of queued) deliver(state, event, payload);
  }

  function deliver(state: WindowState, event: EventChannel, payload: unknown): void {
    const { contents } = state;
    if (contents.isDestroyed()) return;
    // Never push our data into a page that is not ours (it could have been navigated).
    if (!isOwnRendererUrl(contents.getURL(), options.renderer)) return;
    contents.send(IPC_PREFIX + event, payload);
  }

  function enqueue(state: WindowState, event: EventChannel, payload: unknown): void {
    if (LATEST_ONLY.has(event)) state.queue = state.queue.filter((queued) => queued.event !== event);
    state.queue.push({ event, payload });
    if (state.queue.length > maxQueued) {
      state.queue.shift();
      if (!state.overflowed) log.warn(`window ${state.contents.id} is not ready; dropping its oldest queued events`);
      state.overflowed = true;
    }
  }

  const send: EventSink = (event, payload) => {
    for (const state of windows.values()) {
      if (state.ready) deliver(state, event, payload);
      else enqueue(state, event, payload);
    }
  };

  return {
    send,
    trackWindow: (target) => {
      const state: WindowState = { contents: target, ready: false, queue: [], overflowed: false };
      windows.set(target.id, state);
      // A reload or navigation starts a new page: it must subscribe and say ready again.
      target.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) {
          state.ready = false;
          state.overflowed = false;
        }
      });
      target.once('destroyed', () => windows.delete(target.id));
    },
    dispose: () => {
      for (const channel of invokeChannels) options.ipcMain.removeHandler(IPC_PREFIX + channel);
      windows.clear();
    },
  };
}

/** Why a tracked window's message is refused, or null when it comes from our page's top frame. */
function refuseSender(event: IpcMainInvokeEvent, renderer: RendererLocation): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'a frame that no longer exists';
  if (frame.parent !== null) return 'a sub-frame';
  const top = event.sender.mainFrame;
  if (frame.processId !== top.processId || frame.routingId !== top.routingId)
    return 'a frame that is not the top frame';
  if (!isOwnRendererUrl(frame.url, renderer)) return `a page that is not Earshot's (${originOf(frame.url)})`;
  return null;
}

function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'file:' ? 'file://' : parsed.origin;
  } catch {
    return 'an invalid URL';
  }
}
