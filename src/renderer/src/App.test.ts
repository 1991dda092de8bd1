import { cleanup, fireEvent, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../shared/history.ts';
import type { CatalogModel, ModelsState } from '../../shared/models.ts';
import { fail, ok } from '../../shared/result.ts';
import { idleSnapshot, type SessionSnapshot } from '../../shared/session.ts';
import { device } from './testing/fake-transport.ts';
import { renderApp } from './testing/render-app.ts';

const streaming = (patch: Partial<SessionSnapshot> = {}): SessionSnapshot => ({
  ...idleSnapshot('local'),
  state: 'streaming',
  sessionId: 's1',
  deviceKey: 'default',
  deviceName: 'Mic A',
  startedAt: Date.now(),
  ...patch,
});

const installed: ModelsState = {
  installed: [
    {
      id: 'small',
      name: 'Small English',
      kind: 'online',
      dir: '/m/small',
      sizeBytes: 80_000_000,
      purpose: 'streaming',
    },
  ],
  catalog: [],
  activeModelId: 'small',
  diskUsageBytes: 80_000_000,
};

/** A model the catalog offers, with what a test checks spelled out and the rest plain. */
const offered = (model: Pick<CatalogModel, 'id' | 'name' | 'sizeBytes'> & Partial<CatalogModel>): CatalogModel => ({
  kind: 'online',
  language: 'en',
  license: 'MIT',
  description: '',
  isDefault: true,
  ...model,
});

/** Nothing installed and nothing in use: the first-run offer applies. */
const offering = (model: CatalogModel): ModelsState => ({
  installed: [],
  catalog: [model],
  activeModelId: null,
  diskUsageBytes: 0,
});

describe('Start and Stop', () => {
  afterEach(cleanup);

  it('starts with the chosen microphone, follows the session state, and stops by keyboard', async () => {
    const mic = device('Mic B');
    const { main, screen, user } = await renderApp({
      'devices.list': () => ok([mic]),
      'models.list': () => ok(installed),
    });
    await user.selectOptions(screen.getByLabelText('Microphone'), mic.key);
    await user.click(screen.getByRole('button', { name: /^Start/ }));
    expect(main.callsTo('session.start')).toEqual([
      { deviceKey: mic.key, systemDeviceKey: null, provider: 'local', modelId: 'small' },
    ]);

    main.emit('status', streaming({ deviceName: 'Mic B' }));
    const stop = await screen.findByRole('button', { name: /^Stop/ });
    expect(stop).toHaveAttribute('aria-keyshortcuts', 'Control+Enter Meta+Enter');
    main.emit('level', { rmsDb: -23.2, peakDb: -10 });
    await waitFor(() =>
      expect(screen.getByRole('meter', { name: 'Input level' })).toHaveAttribute('aria-valuetext', '-23 dBFS'),
    );

    await fireEvent.keyDown(window, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(main.callsTo('session.stop')).toHaveLength(1));
    expect(await screen.findByRole('button', { name: /^Start/ })).toBeInTheDocument();
  });

  it('shows why a start was refused, with what to do', async () => {
    const { screen, user } = await renderApp({
      'models.list': () => ok(installed),
      'session.start': () =>
        fail(
          'DEVICE_BUSY',
          'The microphone is in use by another application. Close that app, or choose another microphone.',
        ),
    });
    await user.click(screen.getByRole('button', { name: /^Start/ }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('in use by another application');
    expect(within(alert).getByRole('button', { name: 'Refresh microphones' })).toBeInTheDocument();
  });

  it('shows input-health warnings that say what to do, and drops them when they clear', async () => {
    const { main, screen } = await renderApp({ 'models.list': () => ok(installed) });
    main.emit('status', streaming());
    main.emit('health', {
      kind: 'digital-silence',
      active: true,
      deviceName: 'Mic B',
      message: 'No signal from Mic B for 3 s.',
    });
    const warning = await screen.findByText(/No signal from Mic B for 3 s\./);
    expect(warning).toHaveTextContent('Is it muted, or in use by another app?');
    main.emit('health', { kind: 'digital-silence', active: false, deviceName: 'Mic B', message: '' });
    await waitFor(() => expect(screen.queryByText(/No signal from Mic B/)).not.toBeInTheDocument());
  });
});

describe('first run without a model', () => {
  afterEach(cleanup);

  it('offers the default model with its size on Start, downloads it with progress, then starts', async () => {
    const empty = offering(
      offered({
        id: 'zipformer-en',
        name: 'Streaming Zipformer (English)',
        sizeBytes: 71_000_000,
        license: 'Apache-2.0',
      }),
    );
    const { main, screen, user } = await renderApp({ 'models.list': () => ok(empty) });
    await user.click(screen.getByRole('button', { name: /^Start/ }));
    expect(main.callsTo('session.start')).toHaveLength(0);
    const offer = await screen.findByRole('region', { name: 'A speech model is needed first' });
    expect(offer).toHaveTextContent('Streaming Zipformer (English) (71.0 MB, Apache-2.0)');

    await user.click(within(offer).getByRole('button', { name: 'Download 71.0 MB and start' }));
    expect(main.callsTo('models.download')).toEqual([{ id: 'zipformer-en' }]);
    main.emit('modelProgress', {
      id: 'zipformer-en',
      phase: 'downloading',
      receivedBytes: 35_500_000,
      totalBytes: 71_000_000,
    });
    const bar = await within(offer).findByRole('progressbar', { name: /Downloading Streaming Zipformer/ });
    expect(bar).toHaveAttribute('value', '35500000');
    expect(offer).toHaveTextContent('50%');

    const withModel: ModelsState = {
      ...empty,
      installed: [
        {
          id: 'zipformer-en',
          name: 'Streaming Zipformer (English)',
          kind: 'online',
          dir: '/m',
          sizeBytes: 71_000_000,
          purpose: '',
        },
      ],
      activeModelId: 'zipformer-en',
    };
    main.emit('models', withModel);
    main.emit('modelProgress', {
      id: 'zipformer-en',
      phase: 'installed',
      receivedBytes: 71_000_000,
      totalBytes: 71_000_000,
    });
    await waitFor(() => expect(main.callsTo('session.start')).toHaveLength(1));
    expect(main.callsTo('session.start')[0]).toMatchObject({ provider: 'local' });
  });

  it('stops waiting when the download is cancelled', async () => {
    const empty = offering(offered({ id: 'm', name: 'M', sizeBytes: 1000 }));
    const { main, app, screen, user } = await renderApp({ 'models.list': () => ok(empty) });
    await user.click(screen.getByRole('button', { name: /^Start/ }));
    await user.click(await screen.findByRole('button', { name: /Download .* and start/ }));
    main.emit('modelProgress', { id: 'm', phase: 'downloading', receivedBytes: 10, totalBytes: 1000 });
    await user.click(await screen.findByRole('button', { name: 'Cancel download' }));
    expect(main.callsTo('models.cancel')).toEqual([{ id: 'm' }]);
    expect(app.startAfterModel).toBeNull();
  });
});

describe('settings', () => {
  afterEach(cleanup);

  it('sends a key straight to main, forgets it, and shows only that one is set', async () => {
    const { main, screen, user } = await renderApp();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    const field = screen.getByLabelText<HTMLInputElement>('OpenAI API key');
    expect(field).toHaveAttribute('type', 'password');
    expect(field).toHaveAccessibleDescription('No key set');
    await user.type(field, 'sk-test-123');
    await user.click(within(field.closest('form')!).getByRole('button', { name: 'Save key' }));
    expect(main.callsTo('secrets.set')).toEqual([{ provider: 'openai', key: 'sk-test-123' }]);
    expect(field.value).toBe('');
    await waitFor(() => expect(field).toHaveAccessibleDescription('Key set (stored in the system keychain)'));
    expect(document.body.innerHTML).not.toContain('sk-test-123');
  });

  it('saves switches and shows the captions overlay URL with its subscribers', async () => {
    const { main, screen, user } = await renderApp();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    await user.click(screen.getByLabelText('Start Earshot when I log in'));
    expect(main.callsTo('settings.update')).toContainEqual({ startAtLogin: true });
    await user.click(screen.getByLabelText(/Share the live transcript/));
    expect(main.callsTo('captions.setEnabled')).toEqual([{ enabled: true }]);
    expect(await screen.findByText('http://127.0.0.1:7390/overlay#t')).toBeInTheDocument();
    main.emit('captions', {
      running: true,
      overlayUrl: 'http://127.0.0.1:7390/overlay#t',
      captionsUrl: null,
      host: '127.0.0.1',
      port: 7390,
      subscribers: 2,
    });
    expect(await screen.findByText('2 subscribers connected')).toBeInTheDocument();
  });

  it('saves a text field when it is left, and describes a field by its hint', async () => {
    const { main, screen, user } = await renderApp();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    const language = screen.getByLabelText('Language');
    expect(language).toHaveAccessibleDescription('A language code such as en, de or fr.');
    await user.clear(language);
    await user.type(language, ' de ');
    expect(main.callsTo('settings.update')).toEqual([]);
    await user.tab();
    expect(main.callsTo('settings.update')).toEqual([{ language: 'de' }]);
    expect(screen.getByLabelText('OpenAI-compatible server URL')).toHaveAttribute('type', 'url');
    expect(screen.getByLabelText('Pre-roll (ms)')).toHaveAccessibleDescription(
      'Audio kept from just before Start, so the first word is not cut off.',
    );
  });

  it('follows a pinned theme and otherwise the system', async () => {
    const { main } = await renderApp();
    expect(document.documentElement.dataset['theme']).toBeUndefined();
    const settingsRes = await main.api.settings.update({ theme: 'dark' });
    main.emit('settings', settingsRes.ok ? settingsRes.value : (undefined as never));
    await waitFor(() => expect(document.documentElement.dataset['theme']).toBe('dark'));
  });
});

describe('history', () => {
  afterEach(cleanup);

  const sessions: SessionSummary[] = [
    {
      id: 'a',
      title: 'Standup',
      startedAt: 1_700_000_000_000,
      endedAt: 1_700_000_600_000,
      durationMs: 600_000,
      segmentCount: 12,
      provider: 'local',
      recovered: false,
    },
    {
      id: 'b',
      title: 'Interview',
      startedAt: 1_700_100_000_000,
      endedAt: null,
      durationMs: 60_000,
      segmentCount: 3,
      provider: 'local',
      recovered: true,
    },
  ];

  it('lists sessions, marks a recovered one, and searches their text', async () => {
    const { main, screen, user } = await renderApp({
      'history.list': () => ok(sessions),
      'history.search': ({ query }) =>
        ok(query === 'fox' ? [{ ...sessions[1]!, snippet: 'the quick brown fox jumps' }] : []),
    });
    await user.click(screen.getByRole('button', { name: 'History' }));
    const list = screen.getAllByRole('listitem');
    expect(list).toHaveLength(2);
    expect(within(list[1]!).getByText('Recovered')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Search transcripts'), 'fox');
    await waitFor(() => expect(main.callsTo('history.search')).toContainEqual({ query: 'fox' }));
    expect(await screen.findByText(/the quick brown fox jumps/)).toBeInTheDocument();
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByText('1 session matches')).toBeInTheDocument();
  });

  it('opens, renames and deletes a session', async () => {
    const { main, screen, user } = await renderApp({
      'history.list': () => ok(sessions),
      'history.open': ({ id }) =>
        ok({
          summary: sessions.find((s) => s.id === id)!,
          segments: [{ segmentId: 'x', text: 'Good morning everyone.', isFinal: true, startMs: 0 }],
        }),
      'history.rename': ({ id, title }) => ok({ ...sessions.find((s) => s.id === id)!, title }),
    });
    await user.click(screen.getByRole('button', { name: 'History' }));
    await user.click(screen.getByRole('button', { name: 'Standup' }));
    expect(await screen.findByText(/Good morning everyone\./)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: '← All sessions' }));

    await user.click(screen.getByRole('button', { name: 'Rename Standup' }));
    const input = screen.getByLabelText('New title');
    await user.clear(input);
    await user.type(input, 'Monday standup{Enter}');
    expect(main.callsTo('history.rename')).toEqual([{ id: 'a', title: 'Monday standup' }]);
    expect(await screen.findByRole('button', { name: 'Monday standup' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Delete Interview' }));
    await user.click(screen.getByRole('button', { name: 'Delete for good' }));
    expect(main.callsTo('history.delete')).toEqual([{ id: 'b' }]);
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(1));
  });

  it('reports a failure from main without losing the list', async () => {
    const { screen, user } = await renderApp({
      'history.list': () => ok(sessions),
      'history.delete': () => fail('SESSION_NOT_FOUND', 'That session no longer exists in History.'),
    });
    await user.click(screen.getByRole('button', { name: 'History' }));
    await user.click(screen.getByRole('button', { name: 'Delete Standup' }));
    await user.click(screen.getByRole('button', { name: 'Delete for good' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Deleting the session failed: That session no longer exists in History.',
    );
    expect(screen.getAllByRole('listitem').filter((li) => li.dataset['sessionId'])).toHaveLength(2);
  });
});

describe('models', () => {
  afterEach(cleanup);

  it('lists installed models with size and available ones with size and licence; downloads with progress and cancel', async () => {
    const state: ModelsState = {
      ...installed,
      catalog: [
        offered({
          id: 'parakeet',
          name: 'Parakeet TDT 0.6B',
          kind: 'offline',
          sizeBytes: 640_000_000,
          license: 'CC-BY-4.0',
          description: 'Most accurate.',
          isDefault: false,
        }),
      ],
    };
    const { main, screen, user } = await renderApp({ 'models.list': () => ok(state) });
    await user.click(screen.getByRole('button', { name: 'Models' }));
    const installedSection = screen.getByRole('region', { name: 'Installed' });
    expect(installedSection).toHaveTextContent('Small English In use');
    expect(installedSection).toHaveTextContent('80.0 MB');
    const available = screen.getByRole('region', { name: 'Available' });
    expect(available).toHaveTextContent('640 MB');
    expect(available).toHaveTextContent('Licence: CC-BY-4.0');

    await user.click(screen.getByRole('button', { name: 'Download Parakeet TDT 0.6B' }));
    expect(main.callsTo('models.download')).toEqual([{ id: 'parakeet' }]);
    main.emit('modelProgress', {
      id: 'parakeet',
      phase: 'downloading',
      receivedBytes: 64_000_000,
      totalBytes: 640_000_000,
    });
    expect(await screen.findByText(/10% · 64.0 MB of 640 MB/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Cancel downloading Parakeet TDT 0.6B' }));
    expect(main.callsTo('models.cancel')).toEqual([{ id: 'parakeet' }]);
    main.emit('modelProgress', {
      id: 'parakeet',
      phase: 'cancelled',
      receivedBytes: 64_000_000,
      totalBytes: 640_000_000,
    });
    expect(await screen.findByRole('button', { name: 'Download Parakeet TDT 0.6B' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Delete Small English' }));
    await user.click(screen.getByRole('button', { name: 'Delete 80.0 MB' }));
    expect(main.callsTo('models.delete')).toEqual([{ id: 'small' }]);
  });
});
