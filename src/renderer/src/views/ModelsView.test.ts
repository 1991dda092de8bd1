import { cleanup, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogModel, ModelsState } from '../../../shared/models.ts';
import { ok } from '../../../shared/result.ts';
import { renderApp } from '../testing/render-app.ts';

const model = (patch: Partial<CatalogModel>): CatalogModel => ({
  id: 'm',
  name: 'M',
  kind: 'offline',
  language: 'en',
  sizeBytes: 100_000_000,
  license: 'MIT',
  description: '',
  isDefault: false,
  ...patch,
});

describe('Models view: downloads you can trust', () => {
  afterEach(cleanup);

  it('a model without a verified checksum says why it is not offered and has no Download button', async () => {
    const state: ModelsState = {
      installed: [],
      catalog: [
        model({
          id: 'unverified',
          name: 'Unverified',
          downloadable: false,
          notOfferedReason: 'no verified checksum is known for this file.',
        }),
        model({ id: 'verified', name: 'Verified' }),
      ],
      activeModelId: null,
      diskUsageBytes: 0,
    };
    const { screen, user } = await renderApp({ 'models.list': () => ok(state) });
    await user.click(screen.getByRole('button', { name: /Other models|Models/ }));
    const card = (id: string): HTMLElement =>
      screen.getAllByRole('listitem').find((li) => li.dataset['modelId'] === id)!;
    expect(within(card('unverified')).getByTestId('not-offered')).toHaveTextContent(
      'Not offered for download: no verified checksum is known for this file.',
    );
    expect(within(card('unverified')).queryByRole('button', { name: /Download/ })).toBeNull();
    expect(within(card('verified')).getByRole('button', { name: 'Download Verified' })).toBeInTheDocument();
  });

  it('a partial download offers Resume and Discard; Discard deletes it', async () => {
    const state: ModelsState = {
      installed: [],
      catalog: [model({ id: 'big', name: 'Big', partialBytes: 25_000_000 })],
      activeModelId: null,
      diskUsageBytes: 0,
    };
    const { main, screen, user } = await renderApp({
      'models.list': () => ok(state),
      'models.delete': () => ok({ ...state, catalog: [model({ id: 'big', name: 'Big' })] }),
    });
    await user.click(screen.getByRole('button', { name: /Other models|Models/ }));
    expect(screen.getByText('Partly downloaded: 25.0 MB of 100 MB.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Resume downloading Big' })).toHaveTextContent('Resume');
    await user.click(screen.getByRole('button', { name: 'Discard the partial download of Big' }));
    expect(main.callsTo('models.delete')).toEqual([{ id: 'big' }]);
    expect(await screen.findByRole('button', { name: 'Download Big' })).toBeInTheDocument();
    expect(screen.queryByText(/Partly downloaded/)).toBeNull();
  });
});
