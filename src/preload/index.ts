import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildApi, type ApiTransport } from '../shared/ipc/api.ts';
import { IPC_PREFIX, isEventChannel, isInvokeChannel } from '../shared/ipc/contract.ts';
import type { Result } from '../shared/result.ts';

/**
 * The renderer's only door to main: `window.earshot`, built from the contract. It exposes
 * domain verbs and `onX(cb) → unsubscribe`; `ipcRenderer` itself never crosses the bridge,
 * and listeners receive the payload only, never the IPC event (which carries the sender).
 */
export const ipcTransport: ApiTransport = {
  invoke: (channel, payload) => {
    if (!isInvokeChannel(channel)) throw new Error(`unknown channel ${String(channel)}`);
    return ipcRenderer.invoke(IPC_PREFIX + channel, payload) as Promise<Result<unknown>>;
  },
  subscribe: (event, listener) => {
    if (!isEventChannel(event)) throw new Error(`unknown event ${String(event)}`);
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(IPC_PREFIX + event, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_PREFIX + event, wrapped);
    };
  },
};

export const api = buildApi(ipcTransport);

contextBridge.exposeInMainWorld('earshot', api);
