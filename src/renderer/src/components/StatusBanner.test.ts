import { cleanup, render, screen } from '@testing-library/svelte';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { idleSnapshot, type SessionSnapshot } from '../../../shared/session.ts';
import StatusBanner from './StatusBanner.svelte';

const NOW = 1_800_000_000_000;

function snapshot(patch: Partial<SessionSnapshot>): SessionSnapshot {
  return { ...idleSnapshot('local'), ...patch };
}

function show(
  props: Partial<Parameters<typeof render<typeof StatusBanner>>[1] & object> & { snapshot: SessionSnapshot },
) {
  const onAction = vi.fn();
  const onDismissError = vi.fn();
  render(StatusBanner, { props: { error: null, bridge: null, now: NOW, onAction, onDismissError, ...props } });
  return { onAction, onDismissError };
}

describe('status and error banners', () => {
  afterEach(cleanup);

  it('says Ready when idle and Connecting while starting', () => {
    show({ snapshot: snapshot({}) });
    expect(screen.getByRole('status')).toHaveTextContent('Ready');
    cleanup();
    show({ snapshot: snapshot({ state: 'starting' }) });
    expect(screen.getByRole('status')).toHaveTextContent('Connecting…');
  });

  it('shows which microphone it listens to and for how long, without announcing the clock', () => {
    show({ snapshot: snapshot({ state: 'streaming', deviceName: 'Mic B', startedAt: NOW - 83_000 }) });
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Listening to Mic B');
    expect(status).not.toHaveTextContent('1:23');
    expect(status.parentElement).toHaveTextContent('Listening to Mic B· 1:23');
  });

  it('shows the reconnect attempt and how much audio is kept meanwhile', () => {
    show({ snapshot: snapshot({ state: 'reconnecting', reconnectAttempt: 3, bufferedMs: 4250 }) });
    expect(screen.getByRole('status')).toHaveTextContent('Reconnecting (attempt 3)');
    expect(screen.getByText(/4\.3 s of audio buffered/)).toBeInTheDocument();
    expect(screen.getByText(/no words are lost/)).toBeInTheDocument();
  });

  it('says a long outage is offline but still recording, with how much is buffered and kept on disk', () => {
    show({
      snapshot: snapshot({ state: 'reconnecting', reconnectAttempt: 42, bufferedMs: 185_000, spilledMs: 125_000 }),
    });
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Offline — still recording');
    expect(status).not.toHaveTextContent('buffered'); // the amount ticks; it is not announced
    expect(status.parentElement).toHaveTextContent('Offline — still recording· 3 min buffered');
    expect(screen.getByText(/keeps retrying \(attempt 42\)/)).toBeInTheDocument();
    expect(screen.getByText(/2 min of it is kept on disk/)).toBeInTheDocument();
  });

  it('says when this computer transcribes because the cloud service is unreachable', () => {
    show({
      snapshot: snapshot({ state: 'streaming', provider: 'deepgram', servingProvider: 'local', startedAt: NOW }),
    });
    expect(screen.getByRole('status')).toHaveTextContent('Offline — transcribing on this computer');
    expect(screen.getByText(/offline model on this computer transcribes/)).toBeInTheDocument();
  });

  it('shows a session error with the one action that fixes it', async () => {
    const error = {
      code: 'PROVIDER_AUTH_FAILED' as const,
      message: 'The speech service rejected the API key. Check the key in Settings.',
    };
    const { onAction } = show({ snapshot: snapshot({ state: 'error', error }), error });
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent(error.message);
    expect(alert).toHaveAttribute('data-code', 'PROVIDER_AUTH_FAILED');
    // A session in error is cleared by acting, not by dismissing.
    expect(screen.queryByRole('button', { name: /Dismiss/ })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Open Settings' }));
    expect(onAction).toHaveBeenCalledWith({ kind: 'open-settings', label: 'Open Settings' });
  });

  it('maps device and model errors to their actions, and others to Try again', () => {
    const cases = [
      ['DEVICE_BUSY', 'Refresh microphones'],
      ['MODEL_MISSING', 'Open Models'],
      ['ENGINE_START_FAILED', 'Try again'],
    ] as const;
    for (const [code, label] of cases) {
      show({ snapshot: snapshot({}), error: { code, message: `failure ${code}` } });
      expect(screen.getByRole('button', { name: label })).toBeInTheDocument();
      cleanup();
    }
  });

  it('lets a refused start be dismissed', async () => {
    const { onDismissError } = show({ snapshot: snapshot({}), error: { code: 'SESSION_BUSY', message: 'busy' } });
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss this error' }));
    expect(onDismissError).toHaveBeenCalledOnce();
  });

  it('lists non-fatal warnings from main', () => {
    show({
      snapshot: snapshot({
        state: 'streaming',
        startedAt: NOW,
        warnings: [
          { code: 'STORAGE_FULL', message: 'The disk is full: the transcript is still shown but is not being saved.' },
        ],
      }),
    });
    expect(screen.getByText(/The disk is full/)).toHaveAttribute('data-code', 'STORAGE_FULL');
  });

  it('tells the person when the web bridge link is down, and offers a reload once it gave up', async () => {
    show({ snapshot: snapshot({}), bridge: 'reconnecting' });
    expect(screen.getByTestId('bridge-banner')).toHaveTextContent('Reconnecting…');
    cleanup();
    const { onAction } = show({ snapshot: snapshot({}), bridge: 'closed' });
    await userEvent.click(screen.getByRole('button', { name: 'Reload' }));
    expect(onAction).toHaveBeenCalledWith({ kind: 'reload', label: 'Reload' });
    cleanup();
    show({ snapshot: snapshot({}), bridge: 'open' });
    expect(screen.queryByTestId('bridge-banner')).not.toBeInTheDocument();
  });
});
