import type { ProviderEvent } from '../providers/types.ts';
import type { ProviderText } from '../transcript/transcript-model.ts';

type TranscriptEvent = Extract<ProviderEvent, { kind: 'transcript' }>;

/**
 * A provider's transcript event in session audio time. Providers time audio from the first
 * sample of their connection; `baseMs` is where that connection started in the session.
 */
export function toSessionText(event: TranscriptEvent, baseMs: number, provider?: string): ProviderText {
  return {
    ...(provider === undefined ? {} : { provider }),
    key: event.key,
    text: event.text,
    isFinal: event.isFinal,
    ...(event.startMs === undefined ? {} : { startMs: baseMs + event.startMs }),
    ...(event.endMs === undefined ? {} : { endMs: baseMs + event.endMs }),
    ...(event.words
      ? { words: event.words.map((w) => ({ text: w.text, startMs: baseMs + w.startMs, endMs: baseMs + w.endMs })) }
      : {}),
  };
}
