import { PROVIDER_PRESETS } from '../../../shared/provider-presets.ts';
import type { Settings } from '../../../shared/settings.ts';

/**
 * Meeting mode sends the microphone and system audio as two streams. A cloud service bills
 * each stream's minutes, so the person is told before starting; this computer, their own
 * server and a self-hosted Deepgram cost nothing per minute.
 */
export function twoStreamCostNote(settings: Pick<Settings, 'provider' | 'deepgramUrl'>): string | null {
  const preset = PROVIDER_PRESETS[settings.provider];
  if (preset.kind !== 'cloud') return null;
  if (settings.provider === 'deepgram' && settings.deepgramUrl !== '') return null;
  return `${preset.name} bills two streams in meeting mode: the microphone and system audio are each transcribed, so an hour of meeting costs about two hours of transcription.`;
}
