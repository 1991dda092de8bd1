import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SecretField from './SecretField.svelte';

/** The field for `label`, with a key saved or not, and the notice main asked for if any. */
function renderField(label: string, isSet: boolean, notice?: string): void {
  const done = (): Promise<boolean> => Promise.resolve(true);
  render(SecretField, { props: { label, isSet, onSave: vi.fn(done), onClear: vi.fn(done), notice: notice ?? null } });
}

describe('SecretField', () => {
  afterEach(cleanup);

  it('says the key must be typed again when the address it was saved for changed', () => {
    renderField(
      'OpenAI-compatible server',
      false,
      'The server address changed to wss://new.example: the saved key is not sent there.',
    );
    expect(screen.getByText('No key set')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('The server address changed to wss://new.example');
  });

  it('shows no notice otherwise', () => {
    renderField('OpenAI', true);
    expect(screen.queryByRole('status')).toBeNull();
  });
});
