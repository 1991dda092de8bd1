import { cleanup, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { keyedProviders, type KeyedProvider } from '../../../shared/session.ts';
import { ok } from '../../../shared/result.ts';
import { defaultSettings, type Settings, type SettingsPatch } from '../../../shared/settings.ts';
import { renderApp } from '../testing/render-app.ts';

/** Main as the tests need it here: settings that keep what was saved, keys set as given. */
function mainWith(initial: Partial<Settings> = {}, keysSet: readonly KeyedProvider[] = []) {
  let settings: Settings = { ...defaultSettings(), ...initial };
  return {
    'settings.get': () => ok(settings),
    'settings.update': (patch: SettingsPatch) => {
      settings = { ...settings, ...patch, captions: { ...settings.captions, ...patch.captions } };
      return ok(settings);
    },
    'secrets.status': () =>
      ok(Object.fromEntries(keyedProviders.map((p) => [p, keysSet.includes(p)])) as Record<KeyedProvider, boolean>),
  };
}

async function openServerSettings(initial: Partial<Settings> = {}, keysSet: readonly KeyedProvider[] = []) {
  const rendered = await renderApp(mainWith(initial, keysSet));
  await rendered.user.click(rendered.screen.getByRole('button', { name: 'Settings' }));
  return rendered;
}

describe('the team server presets in Settings', () => {
  afterEach(cleanup);

  it('explains a bad address and a missing model at the field, saves neither, then saves the fix', async () => {
    const { main, screen, user } = await openServerSettings();
    await user.selectOptions(screen.getByLabelText('Server'), 'Speaches');
    const url = screen.getByLabelText('Speaches URL');
    expect(url).toHaveAttribute('placeholder', 'ws://gpu-box:8000/v1/realtime');

    await user.type(url, 'ftp://gpu-box');
    await user.tab();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The address must start with wss://, ws://, https:// or http://, not ftp://.',
    );
    expect(url).toHaveAttribute('aria-invalid', 'true');

    await user.clear(url);
    await user.type(url, 'http://gpu-box:8000/v1');
    await user.tab();
    await waitFor(() => expect(url).toHaveAccessibleDescription('Connects to ws://gpu-box:8000/v1/realtime'));
    expect(screen.queryByRole('alert')).toBeNull();

    const model = screen.getByLabelText('Speaches model');
    await user.clear(model);
    await user.tab();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Speaches needs the name of the model it serves (for example Systran/faster-distil-whisper-small.en).',
    );
    await user.type(model, 'Systran/faster-whisper-large-v3');
    await user.tab();

    await user.click(screen.getByRole('button', { name: 'Transcribe with Speaches' }));
    expect(main.callsTo('settings.update')).toEqual([
      { speachesUrl: 'http://gpu-box:8000/v1' },
      { speachesModel: 'Systran/faster-whisper-large-v3' },
      { provider: 'speaches' },
    ]);
    expect(await screen.findByText('Earshot transcribes with Speaches.')).toBeInTheDocument();
  });

  it('opens on the server in use and offers the OpenAI-compatible server its own options', async () => {
    const { main, screen, user } = await openServerSettings({
      provider: 'openai-compatible',
      compatibleUrl: 'wss://speech.example.org',
    });
    expect(screen.getByLabelText('Server')).toHaveValue('openai-compatible');
    expect(screen.getByLabelText('OpenAI-compatible server URL')).toHaveAccessibleDescription(
      'Connects to wss://speech.example.org/v1/realtime',
    );
    await user.selectOptions(screen.getByLabelText('Turn detection'), 'manual');
    await user.selectOptions(screen.getByLabelText('Sample rate'), '16000');
    const minutes = screen.getByLabelText('Session limit (min)');
    await user.clear(minutes);
    await user.type(minutes, '30');
    await user.tab();
    expect(main.callsTo('settings.update')).toEqual([
      { compatibleTurnDetection: 'manual' },
      { compatibleSampleRate: 16_000 },
      { compatibleSessionMinutes: 30 },
    ]);
    // vLLM has no such options: its dialect fixes them.
    await user.selectOptions(screen.getByLabelText('Server'), 'vLLM');
    expect(screen.queryByLabelText('Turn detection')).toBeNull();
    expect(screen.getByLabelText('vLLM model')).toHaveValue('mistralai/Voxtral-Mini-4B-Realtime-2602');
  });

  it('asks for the key again when the address moves to another host', async () => {
    const { screen, user } = await openServerSettings({ vllmUrl: 'ws://gpu-box:8000/v1/realtime' }, ['vllm']);
    await user.selectOptions(screen.getByLabelText('Server'), 'vLLM');
    const key = screen.getByLabelText('vLLM API key');
    expect(key).toHaveAccessibleDescription('Key set (stored in the system keychain)');
    const url = screen.getByLabelText('vLLM URL');
    await user.clear(url);
    await user.type(url, 'ws://other-box:8000/v1/realtime');
    await user.tab();
    expect(
      await screen.findByText(
        /^The server address changed to ws:\/\/other-box:8000: the saved key is not sent there\./,
      ),
    ).toHaveAttribute('role', 'status');
    expect(key).toHaveAccessibleDescription('No key set');
  });

  it('takes a self-hosted Deepgram address in the cloud card, checked the same way', async () => {
    const { main, screen, user } = await openServerSettings();
    const url = screen.getByLabelText('Deepgram URL (self-hosted)');
    await user.type(url, 'ftp://deepgram.internal');
    await user.tab();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      /must start with wss:\/\/, ws:\/\/, https:\/\/ or http:\/\//,
    );
    await user.clear(url);
    await user.type(url, 'ws://deepgram.internal:8080');
    await user.tab();
    expect(main.callsTo('settings.update')).toEqual([{ deepgramUrl: 'ws://deepgram.internal:8080' }]);
  });
});
