import { cleanup, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../../../shared/result.ts';
import { device } from '../testing/fake-transport.ts';
import { renderApp } from '../testing/render-app.ts';

describe('the microphone picker on a Linux desktop', () => {
  afterEach(cleanup);

  it('offers microphones only: an output’s system audio is not a microphone, nor the default one', async () => {
    const headset = device('Headset microphone', { key: 'PulseAudio:headset_mic', hostApi: 'PulseAudio' });
    // The sound server's default source can be a monitor when no microphone is plugged in.
    const speakers = device('System audio — Speakers', {
      key: 'PulseAudio:speakers.monitor',
      hostApi: 'PulseAudio',
      kind: 'system',
      isDefault: true,
    });
    const { screen } = await renderApp({ 'devices.list': () => ok([speakers, headset]) });
    const picker = screen.getByLabelText('Microphone');
    await within(picker).findByRole('option', { name: 'Headset microphone' });
    const labels = within(picker)
      .getAllByRole('option')
      .map((option) => option.textContent);
    expect(labels).toEqual(['System default', 'Headset microphone']);
  });
});
