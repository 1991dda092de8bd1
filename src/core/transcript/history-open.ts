import { basename, dirname } from 'node:path';
import { errorMessage, type ErrorCode } from '../../shared/errors.ts';
import type { SessionSummary } from '../../shared/history.ts';
import { isErrno, setAside } from '../../platform/fs/atomic-file.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { INDEX_SIDECARS } from './history-database.ts';
import { HistoryStore, type JournalSync, type SkippedJournal } from './history-store.ts';

const log = createLogger('history');

/** Something the person is told once, at start, about History. */
export interface HistoryNotice {
  readonly code: Extract<ErrorCode, 'HISTORY_REBUILT' | 'HISTORY_IN_MEMORY' | 'JOURNAL_SKIPPED' | 'JOURNAL_REPAIRED'>;
  readonly message: string;
}

export interface OpenedHistory {
  readonly store: HistoryStore;
  /** Interrupted sessions sealed at this start. */
  readonly recovered: SessionSummary[];
  readonly notices: HistoryNotice[];
}

/** How many damaged journals a notice names before it says "and N more". */
const NAMED_IN_NOTICE = 3;

/**
 * Opens the history index at app start and brings it up to date with the journals, and never
 * fails: the index is a cache of the journals. When it cannot be opened or read (not SQLite,
 * truncated, damaged pages, unreadable), the file and its -wal/-shm are set aside under a
 * timestamped name (kept, in case someone wants to look) and a new index is built from the
 * journals; when even that cannot be written, History lives in memory for this run. A journal
 * that cannot be read is left out and named. Each of these is one notice for the person.
 */
export async function openHistory(indexPath: string, journalDir: string, now = new Date()): Promise<OpenedHistory> {
  let first: unknown;
  try {
    return loaded(indexPath, journalDir, []);
  } catch (error) {
    first = error;
  }
  log.error('the history index is unusable; setting it aside and rebuilding it from the journals', first);
  let aside: string | null = null;
  try {
    aside = await setAsideIndex(indexPath, now);
    const message = `${errorMessage('HISTORY_REBUILT')} The damaged file was kept as ${basename(aside)}.`;
    return loaded(indexPath, journalDir, [{ code: 'HISTORY_REBUILT', message }]);
  } catch (error) {
    log.error('the history index could not be rebuilt on disk; keeping History in memory for this run', error);
  }
  const kept = aside ? ` The damaged file was kept as ${basename(aside)}.` : '';
  const message = `${errorMessage('HISTORY_IN_MEMORY')}${kept}`;
  return loaded(':memory:', journalDir, [{ code: 'HISTORY_IN_MEMORY', message }]);
}

function loaded(indexPath: string, journalDir: string, notices: HistoryNotice[]): OpenedHistory {
  const store = HistoryStore.open(indexPath);
  let sync: JournalSync;
  try {
    sync = store.syncJournals(journalDir);
  } catch (error) {
    store.close();
    throw error;
  }
  return { store, recovered: sync.recovered, notices: [...notices, ...journalNotices(sync)] };
}

/** Moves the index and its WAL/SHM aside under one timestamp, so they stay together. */
async function setAsideIndex(indexPath: string, now: Date): Promise<string> {
  const aside = await setAside(indexPath, 'corrupt', now);
  for (const sidecar of INDEX_SIDECARS) {
    try {
      await setAside(`${indexPath}${sidecar}`, 'corrupt', now);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  }
  log.warn(`set the damaged history index aside as ${aside}`);
  return aside;
}

function journalNotices(sync: JournalSync): HistoryNotice[] {
  const notices: HistoryNotice[] = [];
  if (sync.skipped.length > 0) notices.push({ code: 'JOURNAL_SKIPPED', message: skippedMessage(sync.skipped) });
  if (sync.repaired.length > 0)
    notices.push({
      code: 'JOURNAL_REPAIRED',
      message: `${errorMessage('JOURNAL_REPAIRED')} (${namesOf(sync.repaired)})`,
    });
  for (const { path, reason } of sync.skipped) log.warn('journal left out of History', { path, reason });
  return notices;
}

function skippedMessage(skipped: readonly SkippedJournal[]): string {
  const [only] = skipped;
  if (only && skipped.length === 1) return `${errorMessage('JOURNAL_SKIPPED')} (${only.path}: ${only.reason})`;
  const named = skipped.slice(0, NAMED_IN_NOTICE).map((s) => `${basename(s.path)}: ${s.reason}`);
  const more = skipped.length > NAMED_IN_NOTICE ? `; and ${skipped.length - NAMED_IN_NOTICE} more` : '';
  const where = only ? dirname(only.path) : '';
  return `${skipped.length} saved transcript files in ${where} could not be read and are not listed in History; they were left untouched (${named.join('; ')}${more}).`;
}

function namesOf(paths: readonly string[]): string {
  const named = paths.slice(0, NAMED_IN_NOTICE).map((path) => basename(path));
  const more = paths.length > NAMED_IN_NOTICE ? ` and ${paths.length - NAMED_IN_NOTICE} more` : '';
  return `${named.join(', ')}${more}`;
}
