import { z } from 'zod';
import { sessionStateSchema } from './session.ts';
import { segmentSchema } from './transcript.ts';

/**
 * The session journal's record format: one JSON object per line of a `.jsonl` file. The
 * writer (core/transcript/journal.ts) builds records of these types; the reader
 * (core/transcript/journal-reader.ts) accepts only lines these schemas accept. Line 1 is
 * the header; then finals, state and title changes; a clean stop, or recovery after a
 * crash, ends the file with `end`. A final's segment may name the service that produced it
 * (`provider`, optional: written once a session can fail over to this computer and back) and
 * its speaker (`source`, optional: 'mic' | 'system' in meeting mode; a final without it is the mic's).
 * Old files must stay readable: a change they cannot satisfy needs a new JOURNAL_VERSION
 * and a reader for the old one.
 */
export const JOURNAL_VERSION = 1;

export const journalHeaderSchema = z.object({
  type: z.literal('header'),
  version: z.number(),
  sessionId: z.string(),
  startedAt: z.number(),
  provider: z.string(),
  deviceKey: z.string().nullable(),
  deviceName: z.string().nullable(),
  sampleRate: z.number(),
  title: z.string().optional(),
});

export const journalRecordSchema = z.discriminatedUnion('type', [
  journalHeaderSchema,
  /**
   * `promoted`: the words were still a partial when the session had to end (a quit's deadline, a
   * drain that timed out): kept as they were on screen, never confirmed by the service.
   */
  z.object({ type: z.literal('final'), at: z.number(), segment: segmentSchema, promoted: z.boolean().optional() }),
  z.object({ type: z.literal('state'), at: z.number(), state: sessionStateSchema }),
  z.object({ type: z.literal('title'), at: z.number(), title: z.string() }),
  /** `recovered`: written by crash recovery, which sealed a file its session never closed. */
  z.object({ type: z.literal('end'), at: z.number(), endedAt: z.number(), recovered: z.boolean().optional() }),
]);

export type JournalHeader = Readonly<z.infer<typeof journalHeaderSchema>>;
export type JournalRecord = Readonly<z.infer<typeof journalRecordSchema>>;

/** One record as the line the journal appends, newline included. */
export function formatJournalLine(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/**
 * One line of a journal file as a record, or null when it is none: a line torn by a crash
 * or a full disk (not JSON), or one this build does not understand (a foreign or newer
 * record type, a field of the wrong type).
 */
export function parseJournalLine(line: string): JournalRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  const parsed = journalRecordSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
