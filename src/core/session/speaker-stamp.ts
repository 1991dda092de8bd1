import type { TranscriptEvent } from '../../shared/transcript.ts';
import type { SessionOptions } from './session-options.ts';

/**
 * What a session does to each event on its way out: nothing for a lone microphone; in meeting
 * mode, name the speaker (system segment ids prefixed, unique beside the mic's) and move its times onto the meeting's clock (each source counts its
 * audio from its own first sample; the offset is where that sample lies on the shared clock).
 */
export function speakerStamp(
  options: Pick<SessionOptions, 'speaker' | 'clockOffsetMs'>,
): (event: TranscriptEvent) => TranscriptEvent {
  const { speaker, clockOffsetMs } = options;
  if (speaker === undefined && clockOffsetMs === undefined) return (event) => event;
  return (event) => {
    const offset = clockOffsetMs?.() ?? 0;
    const shift = (ms: number): number => Math.round(ms + offset);
    return {
      ...event,
      // Each session numbers its segments from seg-1: the system side's get their own prefix.
      ...(speaker === 'system' ? { segmentId: `system-${event.segmentId}` } : {}),
      ...(speaker === undefined ? {} : { source: speaker }),
      ...(event.startMs === undefined ? {} : { startMs: shift(event.startMs) }),
      ...(event.endMs === undefined ? {} : { endMs: shift(event.endMs) }),
      ...(event.words
        ? { words: event.words.map((w) => ({ ...w, startMs: shift(w.startMs), endMs: shift(w.endMs) })) }
        : {}),
    };
  };
}
