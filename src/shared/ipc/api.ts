import type { Result } from '../result.ts';
import {
  eventChannels,
  invokeChannels,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
} from './contract.ts';

/**
 * The two things any transport must do. The preload implements it over Electron IPC,
 * the web bridge client over a WebSocket; `buildApi` turns either into `window.earshot`.
 */
export interface ApiTransport {
  invoke(channel: InvokeChannel, payload: unknown): Promise<Result<unknown>>;
  subscribe(event: EventChannel, listener: (payload: unknown) => void): () => void;
}

type Verb<C extends InvokeChannel> =
  undefined extends InvokeRequest<C>
    ? (payload?: InvokeRequest<C>) => Promise<Result<InvokeResponse<C>>>
    : (payload: InvokeRequest<C>) => Promise<Result<InvokeResponse<C>>>;

type Domain<C extends string> = C extends `${infer D}.${string}` ? D : never;

type DomainVerbs<D extends string> = {
  [C in InvokeChannel as C extends `${D}.${infer V}` ? V : never]: Verb<C>;
};

type Subscriptions = {
  [E in EventChannel as `on${Capitalize<E>}`]: (listener: (payload: EventPayload<E>) => void) => () => void;
};

export type EarshotApi = { readonly [D in Domain<InvokeChannel>]: Readonly<DomainVerbs<D>> } & Readonly<Subscriptions>;

/** Builds the renderer-facing API: domain verbs and `onX(cb) → unsubscribe`, nothing else. */
export function buildApi(transport: ApiTransport): EarshotApi {
  const api: Record<string, unknown> = {};
  for (const channel of invokeChannels) {
    const [domain, verb] = channel.split('.') as [string, string];
    const verbs = (api[domain] ??= {}) as Record<string, unknown>;
    verbs[verb] = (payload?: unknown) => transport.invoke(channel, payload);
  }
  for (const event of eventChannels) {
    const name = `on${event.charAt(0).toUpperCase()}${event.slice(1)}`;
    api[name] = (listener: (payload: unknown) => void) => transport.subscribe(event, listener);
  }
  for (const value of Object.values(api)) if (typeof value === 'object' && value) Object.freeze(value);
  return Object.freeze(api) as EarshotApi;
}
