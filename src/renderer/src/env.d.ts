/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { EarshotApi } from '../../shared/ipc/api.ts';

declare global {
  interface Window {
    /** Set by the preload (Electron) or the web bridge client (browser). */
    readonly earshot: EarshotApi;
  }
}
