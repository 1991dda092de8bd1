import type { ApiTransport } from '../../../shared/ipc/api.ts';
import { isEventChannel, type EventChannel, type InvokeChannel } from '../../../shared/ipc/contract.ts';
import {
  bridgeServerMessageSchema,
  WEB_BRIDGE_PATH,
  WEB_BRIDGE_PROTOCOL,
  WEB_BRIDGE_TOKEN_PREFIX,
} from '../../../shared/ipc/web-bridge-protocol.ts';
import { fail, type Result } from '../../../shared/result.ts';

/**
 * `window.earshot` over the web bridge: the same verbs and events as the Electron preload,
 * carried over one WebSocket to a Node process that runs the real core. Used when the page
 * is served by `earshot ui` (or a test) instead of loaded in an Electron window.
 */
export type BridgeState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of the browser's WebSocket this transport uses (Node's and `ws`'s fit too). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
}

export interface WebTransportOptions {
  /** ws:// URL of the bridge endpoint. */
  readonly url: string;
  readonly token: string;
  readonly createSocket?: (url: string, protocols: string[]) => SocketLike;
  /** Delay before each reconnect attempt; the last one repeats until `maxAttempts`. */
  readonly retryDelaysMs?: readonly number[];
  readonly maxAttempts?: number;
}

export interface WebTransport extends ApiTransport {
  readonly state: BridgeState;
  /** Called on every state change; `reconnected` is true when a lost link came back. */
  onState(listener: (state: BridgeState, info: { attempt: number; reconnected: boolean }) => void): () => void;
  close(): void;
}

const OPEN = 1;
const DEFAULT_DELAYS = [250, 500, 1000, 2000, 4000] as const;
/** Requests made while the link is down wait here; past this many, new ones fail at once. */
const MAX_QUEUED = 1000;

export function createWebTransport(options: WebTransportOptions): WebTransport {
  const createSocket = options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols));
  const delays = options.retryDelaysMs ?? DEFAULT_DELAYS;
  const maxAttempts = options.maxAttempts ?? 40;
  const protocols = [WEB_BRIDGE_PROTOCOL, `${WEB_BRIDGE_TOKEN_PREFIX}${options.token}`];

  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: BridgeState, info: { attempt: number; reconnected: boolean }) => void>();
  /** Sent and awaiting an answer. */
  const inFlight = new Map<number, (result: Result<unknown>) => void>();
  /** Made while the link was down: sent when it opens. */
  const queued: { frame: string; seq: number; resolve: (result: Result<unknown>) => void }[] = [];

  let state: BridgeState = 'connecting';
  let socket: SocketLike | null = null;
  let seq = 0;
  let attempt = 0;
  let everOpened = false;
  let closedByUs = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const setState = (next: BridgeState, reconnected = false): void => {
    state = next;
    for (const listener of stateListeners) listener(next, { attempt, reconnected });
  };

  const disconnected = (): Result<unknown> =>
    fail('BRIDGE_DISCONNECTED', 'The connection to Earshot was lost before it answered. Try again in a moment.');

  const failAll = (includeQueued: boolean): void => {
    for (const resolve of inFlight.values()) resolve(disconnected());
    inFlight.clear();
    if (includeQueued) for (const item of queued.splice(0)) item.resolve(disconnected());
  };

  const onMessage = (data: unknown): void => {
    if (typeof data !== 'string') return;
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch (error) {
      console.error('earshot bridge: unreadable message', error);
      return;
    }
    const parsed = bridgeServerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      console.error('earshot bridge: malformed message', parsed.error.issues[0]);
      return;
    }
    const message = parsed.data;
    if (message.type === 'result') {
      const resolve = inFlight.get(message.seq);
      inFlight.delete(message.seq);
      resolve?.(message.result);
      return;
    }
    if (!isEventChannel(message.event)) return;
    for (const listener of listeners.get(message.event) ?? []) {
      try {
        listener(message.payload);
      } catch (error) {
        // One broken view must not starve the others of events.
        console.error(`earshot bridge: listener for "${message.event}" threw`, error);
      }
    }
  };

  const connect = (): void => {
    const current = createSocket(options.url, protocols);
    socket = current;
    current.addEventListener('open', () => {
      if (socket !== current) return;
      const reconnected = everOpened;
      everOpened = true;
      attempt = 0;
      for (const item of queued.splice(0)) {
        inFlight.set(item.seq, item.resolve);
        current.send(item.frame);
      }
      setState('open', reconnected);
    });
    current.addEventListener('message', (event) => {
      if (socket === current) onMessage(event.data);
    });
    // Every failure ends in `close`; `error` carries nothing more in browsers.
    current.addEventListener('error', () => undefined);
    current.addEventListener('close', () => {
      if (socket !== current) return;
      socket = null;
      failAll(false);
      if (closedByUs) return;
      attempt += 1;
      if (attempt > maxAttempts) {
        failAll(true);
        setState('closed');
        return;
      }
      setState(everOpened ? 'reconnecting' : 'connecting');
      const delay = delays[Math.min(attempt - 1, delays.length - 1)] ?? 1000;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (!closedByUs) connect();
      }, delay);
    });
  };

  connect();

  return {
    get state() {
      return state;
    },
    invoke(channel: InvokeChannel, payload: unknown): Promise<Result<unknown>> {
      return new Promise((resolve) => {
        if (state === 'closed') {
          resolve(disconnected());
          return;
        }
        seq += 1;
        const frame = JSON.stringify({ seq, channel, payload });
        if (socket && socket.readyState === OPEN) {
          inFlight.set(seq, resolve);
          socket.send(frame);
        } else if (queued.length < MAX_QUEUED) {
          queued.push({ frame, seq, resolve });
        } else {
          resolve(disconnected());
        }
      });
    },
    subscribe(event: EventChannel, listener: (payload: unknown) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    close() {
      closedByUs = true;
      if (retryTimer) clearTimeout(retryTimer);
      failAll(true);
      socket?.close(1000, 'closed by the page');
      socket = null;
      setState('closed');
    },
  };
}

/**
 * Where the page finds its bridge: same host as the page, token from the URL fragment
 * (`#token=…`, never sent to a server or logged). The token is kept for this tab so a reload
 * works, and the fragment is removed so it does not end up in screenshots or shared links.
 */
export interface PageContext {
  readonly location: {
    readonly hash: string;
    readonly pathname: string;
    readonly search: string;
    readonly protocol: string;
    readonly host: string;
  };
  readonly history: { replaceState(data: unknown, unused: string, url: string): void };
  readonly sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

export function bridgeLocation(win: PageContext): { url: string; token: string } | null {
  const { location } = win;
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  let token = fromHash;
  try {
    if (fromHash) win.sessionStorage.setItem('earshot.bridgeToken', fromHash);
    else token = win.sessionStorage.getItem('earshot.bridgeToken');
  } catch (error) {
    // Storage can be disabled; the fragment alone still works for this load.
    console.warn('earshot bridge: session storage unavailable', error);
  }
  if (!token) return null;
  if (fromHash) win.history.replaceState(null, '', `${location.pathname}${location.search}`);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return { url: `${scheme}//${location.host}${WEB_BRIDGE_PATH}`, token };
}
