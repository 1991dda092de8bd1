import { render, screen, waitFor } from '@testing-library/svelte';
import { userEvent } from '@testing-library/user-event';
import App from '../App.svelte';
import { AppState } from '../state/app.svelte.ts';
import { fakeMain, type FakeHandlers } from './fake-transport.ts';

/** Renders the whole window against a fake main and waits until it has loaded its snapshots. */
export async function renderApp(handlers: FakeHandlers = {}) {
  const main = fakeMain(handlers);
  const app = new AppState(main.api);
  const user = userEvent.setup();
  const result = render(App, { props: { app } });
  await waitFor(() => {
    if (!app.ready) throw new Error('the app has not finished loading');
  });
  return { main, app, user, screen, ...result };
}
