import { cleanup, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../../../shared/result.ts';
import { idleSnapshot, type SessionSnapshot } from '../../../shared/session.ts';
import { defaultSettings } from '../../../shared/settings.ts';
import { device } from '../testing/fake-transport.ts';
import { renderApp } from '../testing/render-app.ts';

const micA = device('Mic A', { isDefault: true });
const micB = device('Mic B');

function optionLabels(select: HTMLSelectElement): string[] {
  return Array.from(select.options).map((o) => o.textContent?.trim() ?? '');
}

describe('microphone dropdown', () => {
  afterEach(cleanup);

  it('lists "System default" first, then the inputs by name', async () => {
    const { screen } = await renderApp({ 'devices.list': () => ok([micA, micB]) });
    const select = screen.getByLabelText<HTMLSelectElement>('Microphone');
    expect(optionLabels(select)).toEqual(['System default (Mic A)', 'Mic A', 'Mic B']);
    expect(select.value).toBe('default');
  });

  it('preselects the remembered microphone and remembers a new choice in main', async () => {
    const { screen, user, main } = await renderApp({
      'devices.list': () => ok([micA, micB]),
      'settings.get': () => ok({ ...defaultSettings(), deviceKey: micB.key }),
    });
    const select = screen.getByLabelText<HTMLSelectElement>('Microphone');
    expect(select.value).toBe(micB.key);
    await user.selectOptions(select, micA.key);
    expect(main.callsTo('devices.select')).toContainEqual({ key: micA.key });
    expect(select.value).toBe(micA.key);
  });

  it('keeps a remembered microphone that is unplugged, marked as not connected', async () => {
    const { screen } = await renderApp({
      'devices.list': () => ok([micA]),
      'settings.get': () => ok({ ...defaultSettings(), deviceKey: micB.key }),
    });
    const select = screen.getByLabelText<HTMLSelectElement>('Microphone');
    expect(select.value).toBe(micB.key);
    expect(optionLabels(select)).toEqual(['System default (Mic A)', 'Mic A', 'Mic B — not connected']);
    expect(screen.getByText(/This microphone is not connected/)).toBeInTheDocument();
  });

  it('refreshes when main reports a change of devices', async () => {
    const { screen, main } = await renderApp({ 'devices.list': () => ok([micA]) });
    const select = screen.getByLabelText<HTMLSelectElement>('Microphone');
    main.emit('devicesChanged', [micA, micB]);
    await waitFor(() => expect(optionLabels(select)).toEqual(['System default (Mic A)', 'Mic A', 'Mic B']));
    main.emit('devicesChanged', [micB]);
    await waitFor(() => expect(optionLabels(select)).toEqual(['System default', 'Mic B']));
  });

  it('shows a lost microphone as lost, with the fallback in use, until it returns', async () => {
    const { screen, main } = await renderApp({
      'devices.list': () => ok([micA, micB]),
      'settings.get': () => ok({ ...defaultSettings(), deviceKey: micB.key }),
    });
    const select = screen.getByLabelText<HTMLSelectElement>('Microphone');
    main.emit('devicesChanged', [micA]);
    main.emit('deviceLost', {
      lostKey: micB.key,
      lostName: 'Mic B',
      fallbackKey: 'default',
      message: 'Mic B was disconnected.',
    });
    await waitFor(() => expect(optionLabels(select)).toContain('Mic B — disconnected'));
    expect(select.value).toBe(micB.key);
    expect(select).toHaveAttribute('aria-invalid', 'true');
    const note = screen.getByText(/Mic B was disconnected/);
    expect(note).toHaveTextContent('Using System default until it comes back.');
    expect(select).toHaveAccessibleDescription(/Mic B was disconnected/);

    main.emit('devicesChanged', [micA, micB]);
    await waitFor(() => expect(screen.queryByText(/Mic B was disconnected/)).not.toBeInTheDocument());
    expect(optionLabels(select)).toEqual(['System default (Mic A)', 'Mic A', 'Mic B']);
  });

  it('clears the lost note when main reports capturing from that microphone again', async () => {
    const streaming = (deviceName: string): SessionSnapshot => ({
      ...idleSnapshot('local'),
      state: 'streaming',
      sessionId: 's1',
      deviceKey: micB.key,
      deviceName,
      startedAt: Date.now(),
    });
    const { screen, main } = await renderApp({
      'devices.list': () => ok([micA, micB]),
      'settings.get': () => ok({ ...defaultSettings(), deviceKey: micB.key }),
    });
    main.emit('status', streaming('Mic B'));
    main.emit('deviceLost', { lostKey: micB.key, lostName: 'Mic B', fallbackKey: 'default', message: 'lost' });
    // A status still naming Mic B before capture moved over must not clear the note.
    main.emit('status', streaming('Mic B'));
    const note = await screen.findByText(/Mic B was disconnected/);
    main.emit('status', streaming('Mic A'));
    expect(note).toBeInTheDocument();
    main.emit('status', streaming('Mic B'));
    await waitFor(() => expect(screen.queryByText(/Mic B was disconnected/)).not.toBeInTheDocument());
  });

  it('drops the lost note when the session ends', async () => {
    const { screen, main } = await renderApp({ 'devices.list': () => ok([micA, micB]) });
    main.emit('deviceLost', { lostKey: micB.key, lostName: 'Mic B', fallbackKey: 'default', message: 'lost' });
    await screen.findByText(/Mic B was disconnected/);
    main.emit('status', idleSnapshot('local'));
    await waitFor(() => expect(screen.queryByText(/Mic B was disconnected/)).not.toBeInTheDocument());
  });

  it('says so when capture stopped because no fallback was possible', async () => {
    const { screen, main } = await renderApp({ 'devices.list': () => ok([micB]) });
    main.emit('devicesChanged', []);
    main.emit('deviceLost', {
      lostKey: micB.key,
      lostName: 'Mic B',
      fallbackKey: null,
      message: 'Mic B was disconnected.',
    });
    const note = await screen.findByText(/Mic B was disconnected/);
    expect(note).toHaveTextContent(/Capture stopped/);
  });

  it('switches the microphone live while a session runs, and holds only while starting or stopping', async () => {
    const { screen, main, user } = await renderApp({
      'devices.list': () => ok([micA]),
      'devices.refresh': () => ok([micA, micB]),
    });
    await user.click(screen.getByRole('button', { name: 'Refresh microphones' }));
    const select = screen.getByLabelText<HTMLSelectElement>('Microphone');
    await waitFor(() => expect(within(select).getByText('Mic B')).toBeInTheDocument());
    const snapshot = {
      state: 'streaming' as const,
      sessionId: 's1',
      provider: 'local' as const,
      deviceKey: 'default',
      deviceName: 'Mic A',
      startedAt: Date.now(),
      reconnectAttempt: 0,
      bufferedMs: 0,
      error: null,
      warnings: [],
    };
    main.emit('status', snapshot);
    await waitFor(() => expect(select).toBeEnabled());
    await user.selectOptions(select, micB.key);
    expect(main.callsTo('devices.select')).toContainEqual({ key: micB.key });
    main.emit('status', { ...snapshot, state: 'stopping' });
    await waitFor(() => expect(select).toBeDisabled());
    expect(screen.getByText('Wait until the session has started or stopped.')).toBeInTheDocument();
  });
});
