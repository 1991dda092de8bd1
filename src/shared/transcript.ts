import { z } from 'zod';

export const wordSchema = z.object({ text: z.string(), startMs: z.number(), endMs: z.number() });
export type Word = z.infer<typeof wordSchema>;

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
