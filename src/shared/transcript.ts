import { z } from 'zod';

export const wordSchema = z.object({ text: z.string(), startMs: z.number(), endMs: z.number() });
export type Word = z.infer<typeof wordSchema>;

/** Who spoke a segment: the person at this computer (the microphone) or the others (system audio). */
export const speakerSources = ['mic', 'system'] as const;
export const speakerSourceSchema = z.enum(speakerSources);
export type SpeakerSource = z.infer<typeof speakerSourceSchema>;

/** The one transcript event shape every provider adapter produces. */
export const transcriptEventSchema = z.object({
  segmentId: z.string(),
  text: z.string(),
  isFinal: z.boolean(),
  /** Audio time since the session began. */
  startMs: z.number().optional(),
  endMs: z.number().optional(),
  words: z.array(wordSchema).optional(),
  /**
   * Which service produced the text (a provider id: "deepgram", "local" …). Absent in journals
   * written before failover existed; present when a session switched services (failover to this
   * computer and back), so each segment says who wrote it.
   */
  provider: z.string().optional(),
  /**
   * Who spoke it (meeting mode: the microphone and system audio are transcribed side by side,
   * their times on one clock). Absent in journals written before meeting mode: those are 'mic'.
   */
  source: speakerSourceSchema.optional(),
});
export type TranscriptEvent = z.infer<typeof transcriptEventSchema>;

export const segmentSchema = transcriptEventSchema.extend({ isFinal: z.literal(true) });
/** A final segment: what the journal, history and exports hold. */
export type Segment = z.infer<typeof segmentSchema>;

export const exportFormats = ['txt', 'srt', 'vtt', 'json'] as const;
export const exportFormatSchema = z.enum(exportFormats);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export const transcriptSnapshotSchema = z.object({
  sessionId: z.string().nullable(),
  segments: z.array(segmentSchema),
  partial: transcriptEventSchema.nullable(),
});
export type TranscriptSnapshot = z.infer<typeof transcriptSnapshotSchema>;

/** The speaker of an event or segment; one without a source came from the microphone. */
export function sourceOf(event: Pick<TranscriptEvent, 'source'>): SpeakerSource {
  return event.source ?? 'mic';
}

/** The names a person gave the two speakers (settings `micSpeakerName` / `systemSpeakerName`). */
export type SpeakerNames = Readonly<Record<SpeakerSource, string>>;

export const DEFAULT_SPEAKER_NAMES: SpeakerNames = { mic: 'You', system: 'Others' };

/** How a speaker is named on screen, in exports and in the CLI's text output. */
export function speakerLabel(source: SpeakerSource, names: SpeakerNames = DEFAULT_SPEAKER_NAMES): string {
  return names[source].trim() || DEFAULT_SPEAKER_NAMES[source];
}

/**
 * Segments in the order they were spoken (start time; a segment without one keeps its place
 * after the one before it). Stable, so one speaker's own order never changes.
 */
export function inSpokenOrder<T extends Pick<TranscriptEvent, 'startMs'>>(segments: readonly T[]): T[] {
  let last = -Infinity;
  const keyed = segments.map((segment, index) => {
    last = segment.startMs ?? last;
    return { segment, index, at: last };
  });
  keyed.sort((a, b) => a.at - b.at || a.index - b.index);
  return keyed.map((k) => k.segment);
}
