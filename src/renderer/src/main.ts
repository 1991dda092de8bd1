import { mount } from 'svelte';
import App from './App.svelte';
import { buildApi, type EarshotApi } from '../../shared/ipc/api.ts';
import { bridgeLocation, createWebTransport } from './lib/web-transport.ts';
import { AppState, type BridgeLink } from './state/app.svelte.ts';
import './styles/app.css';

/**
 * In Electron the preload has put `window.earshot` in place. In a plain browser (served by
 * `earshot ui` or a test) the same API is built over the web bridge's WebSocket.
 */
function resolveApi(): { api: EarshotApi; link?: BridgeLink } | null {
  // The global is typed as always present; in a browser it is not.
  const injected = (window as { earshot?: EarshotApi }).earshot;
  if (injected) return { api: injected };
  const where = bridgeLocation(window);
  if (!where) return null;
  const transport = createWebTransport(where);
  return { api: buildApi(transport), link: transport };
}

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const resolved = resolveApi();
if (resolved) {
  mount(App, { target, props: { app: new AppState(resolved.api, resolved.link) } });
} else {
  target.innerHTML =
    '<p style="padding:2rem">This page needs its access token. Open the full link printed by <code>earshot ui</code>.</p>';
}
