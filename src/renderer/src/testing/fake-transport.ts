import { DEFAULT_DEVICE_KEY, type DeviceInfo } from '../../../shared/devices.ts';
import { buildApi, type ApiTransport, type EarshotApi } from '../../../shared/ipc/api.ts';
import type {
  EventChannel,
  EventPayload,
  InvokeChannel,
  InvokeResponse,
  ParsedRequest,
} from '../../../shared/ipc/contract.ts';
import { fail, ok, type Result } from '../../../shared/result.ts';
import { idleSnapshot, keyedProviders, type KeyedProvider } from '../../../shared/session.ts';
import { defaultSettings } from '../../../shared/settings.ts';

/**
 * A fake main for component tests: answers every invoke from a table the test can override,
 * records each call, and lets the test push events. Payloads are what main would send, typed
 * by the contract, so a test cannot push a shape main never would.
 */
type Handler<C extends InvokeChannel> = (
  payload: ParsedRequest<C>,
) => Result<InvokeResponse<C>> | Promise<Result<InvokeResponse<C>>>;
export type FakeHandlers = { [C in InvokeChannel]?: Handler<C> };

export function device(name: string, extra: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    key: `ALSA:${name}`,
    name,
    index: 0,
    hostApi: 'ALSA',
    maxInputChannels: 1,
    defaultSampleRate: 48000,
    isDefault: false,
    kind: 'microphone',
    ...extra,
  };
}

const defaults: FakeHandlers = {
  'app.info': () => ok({ version: '0.1.0', platform: 'linux', transport: 'ipc' }),
  'devices.list': () => ok([]),
  'devices.refresh': () => ok([]),
  'session.get': () => ok(idleSnapshot()),
  'session.start': () => ok({ ...idleSnapshot(), state: 'starting' }),
  'session.stop': () => ok(idleSnapshot()),
  'session.toggle': () => ok(idleSnapshot()),
  'transcript.get': () => ok({ sessionId: null, segments: [], partial: null }),
  'transcript.clear': () => ok(null),
  'transcript.export': ({ format }) => ok({ text: 'exported', fileName: `transcript.${format}` }),
  'clipboard.write': () => ok(null),
  'history.list': () => ok([]),
  'history.search': () => ok([]),
  'history.open': () => fail('SESSION_NOT_FOUND', 'That session no longer exists in History.'),
  'history.rename': () => fail('SESSION_NOT_FOUND', 'That session no longer exists in History.'),
  'history.delete': () => ok(null),
  'history.export': ({ format }) => ok({ text: 'exported', fileName: `session.${format}` }),
  'models.list': () => ok({ installed: [], catalog: [], activeModelId: null, diskUsageBytes: 0 }),
  'models.download': () => ok(null),
  'models.cancel': () => ok(null),
  'models.delete': () => ok({ installed: [], catalog: [], activeModelId: null, diskUsageBytes: 0 }),
  'models.select': () => ok({ installed: [], catalog: [], activeModelId: null, diskUsageBytes: 0 }),
  'devices.select': () => ok(null),
  'settings.get': () => ok(defaultSettings()),
  'settings.update': (patch) =>
    ok({ ...defaultSettings(), ...patch, captions: { ...defaultSettings().captions, ...patch.captions } }),
  'secrets.set': () => ok(null),
  'secrets.clear': () => ok(null),
  'secrets.status': () =>
    ok(Object.fromEntries(keyedProviders.map((p) => [p, false])) as Record<KeyedProvider, boolean>),
  'captions.status': () =>
    ok({ running: false, overlayUrl: null, captionsUrl: null, host: '127.0.0.1', port: 7390, subscribers: 0 }),
  'captions.setEnabled': ({ enabled }) =>
    ok({
      running: enabled,
      overlayUrl: enabled ? 'http://127.0.0.1:7390/overlay#t' : null,
      captionsUrl: null,
      host: '127.0.0.1',
      port: 7390,
      subscribers: 0,
    }),
  'renderer.ready': () => ok(null),
};

export interface FakeMain {
  readonly api: EarshotApi;
  readonly calls: { channel: InvokeChannel; payload: unknown }[];
  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void;
  callsTo(channel: InvokeChannel): unknown[];
  listenerCount(event: EventChannel): number;
}

export function fakeMain(overrides: FakeHandlers = {}): FakeMain {
  const handlers: FakeHandlers = { ...defaults, ...overrides };
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  const calls: { channel: InvokeChannel; payload: unknown }[] = [];
  const transport: ApiTransport = {
    async invoke(channel, payload) {
      calls.push({ channel, payload });
      const handler = handlers[channel] as ((p: unknown) => Result<unknown> | Promise<Result<unknown>>) | undefined;
      return handler ? handler(payload) : fail('NOT_AVAILABLE', `fake main has no ${channel}`);
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  return {
    api: buildApi(transport),
    calls,
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
    callsTo: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.payload),
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
  };
}

export { DEFAULT_DEVICE_KEY };
