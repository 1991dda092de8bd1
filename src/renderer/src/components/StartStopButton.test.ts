import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import StartStopButton from './StartStopButton.svelte';

describe('Start/Stop button', () => {
  afterEach(cleanup);
  const noop = (): void => {};

  it('says Starting… while a start is in flight, even once main already reports streaming', () => {
    render(StartStopButton, { action: 'wait', state: 'streaming', pendingVerb: 'start', onToggle: noop });
    const button = screen.getByRole('button');
    expect(button).toHaveAccessibleName('Starting…');
    expect(button).toBeDisabled();
  });

  it('says Stopping… while a stop is in flight, and Stop / Start when it can act', async () => {
    const view = render(StartStopButton, { action: 'wait', state: 'streaming', pendingVerb: 'stop', onToggle: noop });
    expect(screen.getByRole('button')).toHaveAccessibleName('Stopping…');
    await view.rerender({ action: 'stop', state: 'streaming', pendingVerb: null, onToggle: noop });
    expect(screen.getByRole('button')).toHaveAccessibleName('Stop');
    await view.rerender({ action: 'start', state: 'idle', pendingVerb: null, onToggle: noop });
    expect(screen.getByRole('button')).toHaveAccessibleName('Start');
    expect(screen.getByRole('button')).toBeEnabled();
  });
});
