import { beforeAll, describe, expect, it, vi } from 'vitest';
import { electronMock } from '../../tests/helpers/electron-mock.ts';
import { eventChannels, invokeChannels, invokeContract, IPC_PREFIX } from '../shared/ipc/contract.ts';
import { keyedProviders } from '../shared/session.ts';
import { settingsSchema } from '../shared/settings.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

type Api = Record<string, unknown>;
let api: Api;

beforeAll(async () => {
  await import('./index.ts');
  api = electronMock.contextBridge.exposed.get('earshot') as Api;
});

const expectedTopLevel = (): string[] =>
  [
    ...new Set(invokeChannels.map((c) => c.split('.')[0]!)),
    ...eventChannels.map((e) => `on${e.charAt(0).toUpperCase()}${e.slice(1)}`),
  ].sort();

/** Every value reachable from the API object, with its path. */
function walk(value: unknown, path: string, seen = new Set<unknown>()): [string, unknown][] {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) return [];
  seen.add(value);
  const own = Object.getOwnPropertyNames(value).filter(
    (k) => typeof value !== 'function' || !['length', 'name', 'prototype'].includes(k),
  );
  return [[path, value], ...own.flatMap((k) => walk((value as Record<string, unknown>)[k], `${path}.${k}`, seen))];
}

describe('preload: window.earshot', () => {
  it('exposes one object, earshot, and nothing else', () => {
    expect([...electronMock.contextBridge.exposed.keys()]).toEqual(['earshot']);
  });

  it('has exactly the contract’s domains and onX subscriptions', () => {
    expect(Object.keys(api).sort()).toEqual(expectedTopLevel());
  });

  it('has exactly the contract’s verbs in each domain, all functions', () => {
    for (const channel of invokeChannels) {
      const [domain, verb] = channel.split('.') as [string, string];
      expect(typeof (api[domain] as Api)[verb], channel).toBe('function');
    }
    const exposedVerbs = Object.entries(api)
      .filter(([, v]) => typeof v === 'object')
      .flatMap(([domain, verbs]) => Object.keys(verbs as object).map((verb) => `${domain}.${verb}`));
    expect(exposedVerbs.sort()).toEqual([...invokeChannels].sort());
  });

  it('is frozen, so page scripts cannot swap a verb', () => {
    expect(Object.isFrozen(api)).toBe(true);
    for (const value of Object.values(api)) if (typeof value === 'object') expect(Object.isFrozen(value)).toBe(true);
  });

  it('never exposes ipcRenderer or any IPC primitive, however deep', () => {
    for (const [path, value] of walk(api, 'earshot')) {
      expect(value, path).not.toBe(electronMock.ipcRenderer);
      if (typeof value === 'object') {
        for (const primitive of ['invoke', 'send', 'sendSync', 'postMessage', 'removeAllListeners', 'sendToHost']) {
          expect(Object.hasOwn(value as object, primitive), `${path}.${primitive}`).toBe(false);
        }
      }
    }
  });

  it('turns a verb into one invoke on its prefixed channel and returns main’s Result untouched', async () => {
    const answer = { ok: true, value: [{ id: 's1' }] };
    electronMock.ipcRenderer.respond = () => answer;
    const history = api['history'] as { search(p: unknown): Promise<unknown> };
    await expect(history.search({ query: 'standup' })).resolves.toBe(answer);
    expect(electronMock.ipcRenderer.invocations.at(-1)).toEqual({
      channel: `${IPC_PREFIX}history.search`,
      payload: { query: 'standup' },
    });
  });

  it('hands listeners the payload only (never the IPC event with its sender), and unsubscribes', () => {
    const listener = vi.fn();
    const onStatus = api['onStatus'] as (cb: (...args: unknown[]) => void) => () => unknown;
    const unsubscribe = onStatus(listener);
    electronMock.ipcRenderer.deliver(`${IPC_PREFIX}status`, { state: 'idle' });
    expect(listener).toHaveBeenCalledWith({ state: 'idle' });
    expect(listener.mock.calls[0]).toHaveLength(1);
    expect(unsubscribe()).toBeUndefined();
    expect(electronMock.ipcRenderer.listenerCount(`${IPC_PREFIX}status`)).toBe(0);
    electronMock.ipcRenderer.deliver(`${IPC_PREFIX}status`, { state: 'streaming' });
    expect(listener).toHaveBeenCalledOnce();
  });
});

describe('no verb returns a secret', () => {
  it('offers keys write-only: set, clear, and a yes/no status', () => {
    expect(Object.keys(api['secrets'] as object).sort()).toEqual(['clear', 'set', 'status']);
    expect(invokeContract['secrets.set'].response.safeParse('sk-live-123').success).toBe(false);
    expect(invokeContract['secrets.clear'].response.safeParse('sk-live-123').success).toBe(false);
    const status = Object.fromEntries(keyedProviders.map((p) => [p, false]));
    expect(invokeContract['secrets.status'].response.safeParse(status).success).toBe(true);
    expect(invokeContract['secrets.status'].response.safeParse({ ...status, openai: 'sk-live-123' }).success).toBe(
      false,
    );
  });

  it('keeps keys out of the settings the renderer reads', () => {
    const fields = [...Object.keys(settingsSchema.shape), ...Object.keys(settingsSchema.shape.captions.unwrap().shape)];
    expect(fields.filter((f) => /api.?key|token|secret|password/i.test(f))).toEqual([]);
  });
});
