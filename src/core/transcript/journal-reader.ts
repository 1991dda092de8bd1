import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
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
  /** The header line was missing or damaged; the header is rebuilt from what the file still says. */
  readonly headerRepaired: boolean;
}

/** A journal read: its contents, or why it holds nothing that can be listed. */
export type JournalRead =
  | { readonly ok: true; readonly contents: JournalContents }
  | { readonly ok: false; readonly path: string; readonly reason: string };

const log = createLogger('journal');

/** A journal's contents, or null (logged) when the file holds no readable session. */
export function readJournal(path: string): JournalContents | null {
  const read = inspectJournal(path);
  if (read.ok) return read.contents;
  log.warn('journal skipped', { path, reason: read.reason });
  return null;
}

/**
 * Reads one journal, never throwing: an unreadable file, or one without a header line, says
 * why it was skipped. A header that lacks a field or has one of the wrong type does not cost
 * the finals after it: the header is rebuilt from its usable fields (the file name stands in
 * for a missing session id) and `headerRepaired` is set, so the person can be told.
 */
export function inspectJournal(path: string): JournalRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, path, reason: `it could not be read (${(error as Error).message})` };
  }
  let header: JournalHeader | null = null;
  let damagedHeader: Record<string, unknown> | null = null;
  const segments: Segment[] = [];
  const seen = new Set<string>();
  let title: string | null = null;
  let endedAt: number | null = null;
  let recovered = false;
  let firstAt = Number.POSITIVE_INFINITY;
  let lastAt = 0;
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const record = parseJournalLine(line);
    if (!record) {
      skippedLines += 1; // torn by a crash or a full disk, or a record this build does not know
      damagedHeader ??= header ? null : headerLike(line);
      continue;
    }
    if (record.type !== 'header') {
      lastAt = Math.max(lastAt, record.at);
      firstAt = Math.min(firstAt, record.at);
    }
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
  const headerRepaired = header === null;
  if (!header) {
    if (!damagedHeader) return { ok: false, path, reason: noHeaderReason(skippedLines, segments.length) };
    header = repairHeader(path, damagedHeader, Number.isFinite(firstAt) ? firstAt : modifiedAt(path));
    lastAt = Math.max(lastAt, header.startedAt);
    log.warn('journal header missing or damaged; rebuilt it from the rest of the file', { path });
  }
  if (header.version > JOURNAL_VERSION) log.warn('journal from a newer Earshot; reading what is understood', { path });
  return {
    ok: true,
    contents: { path, header, segments, title, endedAt, recovered, lastAt, skippedLines, headerRepaired },
  };
}

/** Why a file without any header line is no journal of ours: it says nothing of whose session it was. */
function noHeaderReason(skippedLines: number, finals: number): string {
  if (skippedLines === 0 && finals === 0) return 'the file is empty';
  if (finals > 0) return 'it has no header line, so it is no Earshot session';
  return `none of its ${skippedLines} lines is a transcript record`;
}

/** The line as an object when it is JSON that says it is a header (one the schema refused). */
function headerLike(line: string): Record<string, unknown> | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const record = raw as Record<string, unknown>;
  return record['type'] === 'header' ? record : null;
}

/** A header from a damaged one's usable fields; the rest gets neutral values. */
function repairHeader(path: string, raw: Record<string, unknown>, fallbackStart: number): JournalHeader {
  const text = (key: string): string | null => {
    const value = raw[key];
    return typeof value === 'string' && value !== '' ? value : null;
  };
  const number = (key: string): number | null => {
    const value = raw[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  };
  const header: JournalHeader = {
    type: 'header',
    version: number('version') ?? JOURNAL_VERSION,
    sessionId: text('sessionId') ?? basename(path, '.jsonl'),
    startedAt: number('startedAt') ?? fallbackStart,
    provider: text('provider') ?? 'unknown',
    deviceKey: text('deviceKey'),
    deviceName: text('deviceName'),
    sampleRate: number('sampleRate') ?? 0,
  };
  const title = text('title');
  return title === null ? header : { ...header, title };
}

/** When the file was last written: the start time of a session whose header and records lack one. */
function modifiedAt(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
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
