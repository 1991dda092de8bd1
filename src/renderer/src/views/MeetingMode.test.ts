import { cleanup, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../../shared/history.ts';
import type { ModelsState } from '../../../shared/models.ts';
import { ok } from '../../../shared/result.ts';
import { idleSnapshot, type SessionSnapshot } from '../../../shared/session.ts';
import { defaultSettings, type Settings } from '../../../shared/settings.ts';
import { device, type FakeHandlers } from '../testing/fake-transport.ts';
import { renderApp } from '../testing/render-app.ts';

/** Meeting mode in the window: the "Also transcribe" picker, speakers, meters, echo guard, History's filter. */
const headset = device('Headset', { key: 'pulse:headset', hostApi: 'PulseAudio', isDefault: true });
const speakers = device('System audio — Speakers', { key: 'pulse:spk.monitor', hostApi: 'PulseAudio', kind: 'system' });
const hdmi = device('System audio — HDMI', { key: 'pulse:hdmi.monitor', hostApi: 'PulseAudio', kind: 'system' });
const devices = [headset, speakers, hdmi];

const installed: ModelsState = {
  installed: [{ id: 'small', name: 'Small', kind: 'online', dir: '/m', sizeBytes: 1, purpose: 'streaming' }],
  catalog: [],
  activeModelId: 'small',
  diskUsageBytes: 1,
};

const meeting = (patch: Partial<SessionSnapshot> = {}): SessionSnapshot => ({
  ...idleSnapshot('local'),
  state: 'streaming',
  sessionId: 'm1',
  deviceKey: headset.key,
  deviceName: 'Headset',
  startedAt: Date.now(),
  system: { deviceKey: speakers.key, deviceName: speakers.name, state: 'streaming', bufferedMs: 0 },
  echoGuard: true,
  ...patch,
});

function labels(select: HTMLSelectElement): string[] {
  return Array.from(select.options).map((o) => o.textContent?.trim() ?? '');
}

/** A main that keeps what the window saves, so the next read shows it. */
function withSettings(patch: Partial<Settings>): FakeHandlers {
  let stored: Settings = { ...defaultSettings(), ...patch };
  return {
    'settings.get': () => ok(stored),
    'settings.update': (p) => ok((stored = { ...stored, ...p, captions: { ...stored.captions, ...p.captions } })),
  };
}

describe('meeting mode in the live view', () => {
  afterEach(cleanup);

  it('offers system audio beside the microphone, off by default, each list with its own kind', async () => {
    const { screen } = await renderApp({ 'devices.list': () => ok(devices) });
    const mic = screen.getByLabelText<HTMLSelectElement>('Microphone');
    expect(labels(mic)).toEqual(['System default (Headset)', 'Headset']);
    const also = screen.getByLabelText<HTMLSelectElement>('Also transcribe');
    expect(labels(also)).toEqual(['Nothing else — the microphone only', speakers.name, hdmi.name]);
    expect(also.value).toBe('');
    expect(screen.queryByRole('group', { name: 'Speaker names' })).toBeNull();
  });

  it('remembers the system audio chosen and starts both sources with it', async () => {
    const { screen, user, main } = await renderApp({
      'devices.list': () => ok(devices),
      'models.list': () => ok(installed),
      ...withSettings({}),
    });
    await user.selectOptions(screen.getByLabelText('Also transcribe'), speakers.key);
    expect(main.callsTo('settings.update')).toContainEqual({ systemDeviceKey: speakers.key });
    expect(screen.getByRole('group', { name: 'Speaker names' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /^Start/ }));
    expect(main.callsTo('session.start')).toEqual([
      expect.objectContaining({ deviceKey: 'default', systemDeviceKey: speakers.key }),
    ]);

    // Off again: the next start is the microphone alone.
    main.emit('status', idleSnapshot('local'));
    await waitFor(() => expect(screen.getByLabelText('Also transcribe')).toBeEnabled());
    await user.selectOptions(screen.getByLabelText('Also transcribe'), '');
    expect(main.callsTo('settings.update')).toContainEqual({ systemDeviceKey: null });
  });

  it('keeps a remembered output that is unplugged, saying so', async () => {
    const { screen } = await renderApp({
      'devices.list': () => ok([headset]),
      'settings.get': () => ok({ ...defaultSettings(), systemDeviceKey: speakers.key }),
    });
    const also = screen.getByLabelText<HTMLSelectElement>('Also transcribe');
    expect(also.value).toBe(speakers.key);
    expect(labels(also)).toContain('spk.monitor — not connected');
    expect(screen.getByText(/This output is not connected/)).toBeInTheDocument();
  });

  it('says a cloud service bills two streams, and says nothing for this computer', async () => {
    const { screen, user } = await renderApp({
      'devices.list': () => ok(devices),
      ...withSettings({ provider: 'deepgram', systemDeviceKey: speakers.key }),
    });
    expect(screen.getByTestId('cost-note')).toHaveTextContent(/Deepgram bills two streams/);
    await user.selectOptions(screen.getByLabelText('Speech service'), 'local');
    await waitFor(() => expect(screen.queryByTestId('cost-note')).toBeNull());
  });

  it('labels each line You or Others, styled apart, under the names the person gave', async () => {
    const { screen, user, main } = await renderApp({
      'devices.list': () => ok(devices),
      ...withSettings({ systemDeviceKey: speakers.key }),
      // The new session's transcript, as main has it when the window loads it.
      'transcript.get': () =>
        ok({
          sessionId: 'm1',
          segments: [
            { segmentId: 'a', text: 'hello there', isFinal: true, startMs: 400, source: 'mic' },
            { segmentId: 'b', text: 'hi back', isFinal: true, startMs: 2000, source: 'system' },
          ],
          partial: null,
        }),
    });
    main.emit('status', meeting());
    const line = (id: string): HTMLElement => {
      const found = document.querySelector<HTMLElement>(`.segment[data-segment-id="${id}"]`);
      if (!found) throw new Error(`no transcript line ${id}`);
      return found;
    };
    await waitFor(() => line('b'));
    expect(line('a')).toHaveTextContent('You: hello there');
    expect(within(line('a')).getByText('You')).toHaveAttribute('data-speaker', 'mic');
    expect(within(line('b')).getByText('Others')).toHaveAttribute('data-speaker', 'system');
    expect(line('b')).toHaveClass('others');
    expect(line('a')).not.toHaveClass('others');
    // Screen readers hear who spoke, too.
    main.emit('transcript', { segmentId: 'c', text: 'and one more', isFinal: true, startMs: 3000, source: 'system' });
    await waitFor(() => expect(screen.getByTestId('final-announcer')).toHaveTextContent('Others: and one more'));

    const others = screen.getByLabelText<HTMLInputElement>('System audio speaker');
    await user.clear(others);
    await user.type(others, 'Team{Enter}');
    expect(main.callsTo('settings.update')).toContainEqual({ systemSpeakerName: 'Team' });
    main.emit('settings', { ...defaultSettings(), systemDeviceKey: speakers.key, systemSpeakerName: 'Team' });
    await waitFor(() => expect(within(line('b')).getByText('Team')).toBeInTheDocument());
  });

  it('shows a level per source and "Echo guard on" while the snapshot says so', async () => {
    const { screen, main } = await renderApp({ 'devices.list': () => ok(devices) });
    main.emit('status', meeting());
    main.emit('level', { rmsDb: -20, peakDb: -10 });
    main.emit('level', { rmsDb: -41, peakDb: -30, source: 'system' });
    await waitFor(() =>
      expect(screen.getByRole('meter', { name: 'Microphone (You)' })).toHaveAttribute('aria-valuetext', '-20 dBFS'),
    );
    expect(screen.getByRole('meter', { name: 'System audio (Others)' })).toHaveAttribute('aria-valuetext', '-41 dBFS');
    expect(screen.getByText('Echo guard on')).toBeInTheDocument();

    main.emit('status', meeting({ echoGuard: false }));
    await waitFor(() => expect(screen.queryByText('Echo guard on')).toBeNull());
    main.emit('status', { ...idleSnapshot('local') });
    await waitFor(() => expect(screen.getByRole('meter', { name: 'Input level' })).toBeInTheDocument());
  });

  it('shows the watchdog warnings, each saying what happened and what to do', async () => {
    const { screen, main } = await renderApp({ 'devices.list': () => ok(devices) });
    main.emit(
      'status',
      meeting({
        warnings: [
          {
            code: 'SYSTEM_AUDIO_SILENT',
            message:
              'System audio is selected but silent while the microphone hears speech, so the other side of the call is not being transcribed. Check that the call plays through the output whose system audio is selected, or choose another output.',
          },
        ],
      }),
    );
    const warning = await screen.findByText(/System audio is selected but silent/);
    expect(warning).toHaveAttribute('data-code', 'SYSTEM_AUDIO_SILENT');
    expect(warning).toHaveTextContent(/choose another output/);
  });
});

describe('meeting mode in History', () => {
  afterEach(cleanup);

  const call: SessionSummary = {
    id: 'm1',
    title: 'Call with the team',
    startedAt: 1_700_000_000_000,
    endedAt: 1_700_000_600_000,
    durationMs: 600_000,
    segmentCount: 2,
    provider: 'local',
    recovered: false,
  };

  it('searches one speaker’s words and labels every line by speaker', async () => {
    const { screen, user, main } = await renderApp({
      'history.list': () => ok([call]),
      'history.search': ({ speaker }) => ok(speaker === 'mic' ? [] : [{ ...call, snippet: 'the budget' }]),
      'history.open': () =>
        ok({
          summary: call,
          segments: [
            { segmentId: 'a', text: 'what about the budget', isFinal: true, startMs: 0, source: 'mic' },
            { segmentId: 'b', text: 'the budget is fine', isFinal: true, startMs: 1500, source: 'system' },
          ],
        }),
    });
    await user.click(screen.getByRole('button', { name: 'History' }));
    await user.type(screen.getByLabelText('Search transcripts'), 'budget');
    await waitFor(() => expect(main.callsTo('history.search')).toContainEqual({ query: 'budget' }));
    await user.selectOptions(screen.getByLabelText('Said by'), 'mic');
    await waitFor(() => expect(main.callsTo('history.search')).toContainEqual({ query: 'budget', speaker: 'mic' }));
    expect(await screen.findByText('No session has these words from You.')).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Said by'), 'system');
    await waitFor(() => expect(main.callsTo('history.search')).toContainEqual({ query: 'budget', speaker: 'system' }));

    await user.click(await screen.findByRole('button', { name: 'Call with the team' }));
    const mine = (await screen.findByText(/what about the budget/)).closest('p')!;
    expect(within(mine).getByText('You')).toBeInTheDocument();
    const theirs = screen.getByText(/the budget is fine/).closest('p')!;
    expect(within(theirs).getByText('Others')).toBeInTheDocument();
    expect(theirs).toHaveClass('others');
  });
});

describe('meeting mode in the status line', () => {
  afterEach(cleanup);

  it('names both sources, and says when system audio is not streaming', async () => {
    const { screen, main } = await renderApp({ 'devices.list': () => ok(devices) });
    main.emit('status', meeting());
    expect(
      await screen.findByText('Listening to Headset and System audio — Speakers', { exact: false }),
    ).toBeInTheDocument();
    main.emit(
      'status',
      meeting({
        system: { deviceKey: speakers.key, deviceName: speakers.name, state: 'reconnecting', bufferedMs: 900 },
      }),
    );
    expect(await screen.findByText(/\(system audio reconnecting\)/)).toBeInTheDocument();
  });
});
