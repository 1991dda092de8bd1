import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SecretField from './SecretField.svelte';

describe('SecretField', () => {
  afterEach(cleanup);

  it('says the key must be typed again when the address it was saved for changed', () => {
    render(SecretField, {
      props: {
        label: 'OpenAI-compatible server',
        isSet: false,
        onSave: vi.fn(() => Promise.resolve(true)),
        onClear: vi.fn(() => Promise.resolve(true)),
        notice: 'The server address changed to wss://new.example: the saved key is not sent there.',
      },
    });
    expect(screen.getByText('No key set')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('The server address changed to wss://new.example');
  });

  it('shows no notice otherwise', () => {
    render(SecretField, {
      props: {
        label: 'OpenAI',
        isSet: true,
        onSave: vi.fn(() => Promise.resolve(true)),
        onClear: vi.fn(() => Promise.resolve(true)),
      },
    });
    expect(screen.queryByRole('status')).toBeNull();
  });
});
