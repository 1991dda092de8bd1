import { z } from 'zod';
import { segmentSchema } from './transcript.ts';

export const sessionSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  durationMs: z.number(),
  segmentCount: z.number().int(),
  provider: z.string(),
  /** The app was interrupted (crash, kill) and the session was rebuilt from its journal. */
  recovered: z.boolean(),
  /** For search results: a snippet with the match. */
  snippet: z.string().optional(),
});
export type SessionSummary = z.infer<typeof sessionSummarySchema>;

export const sessionDetailSchema = z.object({
  summary: sessionSummarySchema,
  segments: z.array(segmentSchema),
});
export type SessionDetail = z.infer<typeof sessionDetailSchema>;
