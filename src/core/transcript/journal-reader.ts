import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatJournalLine,
  JOURNAL_VERSION,
  parseJournalLine,
  type JournalHeader,
} from '../../shared/journal-record.ts';
import type { Segment } from '../../shared/transcript.ts';
import { createLogger } from '../../platform/log/logger.ts';

/** What a journal file says, read tolerantly: a torn or foreign line is skipped and counted. */
export interface JournalContents {
  readonly path: string;
  readonly header: JournalHeader;
  readonly segments: Segment[];
  readonly title: string | null;
  /** Set when the session stopped cleanly or was sealed by recovery. */
  readonly endedAt: number | null;
  readonly recovered: boolean;
  /** Time of the last record of any kind: the best guess of when an interrupted session died. */
  readonly lastAt: number;
  readonly skippedLines: number;
}

const log = createLogger('journal');

export function readJournal(path: string): JournalContents | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    log.warn('journal unreadable', { path, message: (error as Error).message });
    return null;
  }
  let header: JournalHeader | null = null;
  const segments: Segment[] = [];
  const seen = new Set<string>();
  let title: string | null = null;
  let endedAt: number | null = null;
  let recovered = false;
  let lastAt = 0;
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const record = parseJournalLine(line);
    if (!record) {
      skippedLines += 1; // torn by a crash or a full disk, or a record this build does not know
      continue;
    }
    if (record.type !== 'header') lastAt = Math.max(lastAt, record.at);
    switch (record.type) {
      case 'header':
        if (!header) {
          header = record;
          lastAt = Math.max(lastAt, header.startedAt);
        }
        break;
      case 'final':
        if (!seen.has(record.segment.segmentId)) {
          seen.add(record.segment.segmentId);
          segments.push(record.segment);
        }
        break;
      case 'title':
        title = record.title;
        break;
      case 'end':
        endedAt = record.endedAt;
        recovered = recovered || record.recovered === true;
        break;
      case 'state':
        break;
    }
  }
  if (!header) return null;
  if (header.version > JOURNAL_VERSION) log.warn('journal from a newer Earshot; reading what is understood', { path });
  return { path, header, segments, title, endedAt, recovered, lastAt, skippedLines };
}

/** Every journal file in a folder, sorted by name (session ids start with a timestamp). */
export function listJournalFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn('journal folder unreadable', { dir, message: (error as Error).message });
    return [];
  }
  return names
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Seals every interrupted session in `dir` (a journal without `end`), except the ones in
 * `exclude` (sessions running right now), by appending an `end` record marked `recovered`.
 * Returns the sealed sessions. A journal is sealed only once, so listing it again is cheap.
 */
export function recoverInterruptedSessions(dir: string, exclude: ReadonlySet<string> = new Set()): JournalContents[] {
  const recovered: JournalContents[] = [];
  for (const path of listJournalFiles(dir)) {
    const contents = readJournal(path);
    if (!contents || contents.endedAt !== null || exclude.has(contents.header.sessionId)) continue;
    const endedAt = contents.lastAt;
    try {
      // A file cut mid-line gets a newline first so the seal is a line of its own.
      const raw = readFileSync(path);
      const prefix = raw.length === 0 || raw[raw.length - 1] === 0x0a ? '' : '\n';
      appendFileSync(path, prefix + formatJournalLine({ type: 'end', at: Date.now(), endedAt, recovered: true }));
    } catch (error) {
      log.warn('could not seal an interrupted journal; it stays listed as recovered', {
        path,
        message: (error as Error).message,
      });
    }
    recovered.push({ ...contents, endedAt, recovered: true });
    log.info('recovered an interrupted session', {
      sessionId: contents.header.sessionId,
      finals: contents.segments.length,
    });
  }
  return recovered;
}
