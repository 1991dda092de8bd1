import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EarshotError } from '../../shared/errors.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { ensurePrivateDir, ensurePrivateFile } from '../../platform/fs/private-files.ts';
import { HISTORY_SCHEMA, SEGMENT_SOURCE_MIGRATION } from './history-schema.ts';

const log = createLogger('history');

/** The files SQLite keeps beside the index in WAL mode. */
export const INDEX_SIDECARS = ['-wal', '-shm'] as const;

/**
 * Opens (creating if needed) the SQLite file of the history index; ':memory:' for a throwaway
 * one. Throws STORAGE_FAILED when the file is not a sound SQLite database (not SQLite at all,
 * truncated, damaged pages) or cannot be opened; openHistory() (history-open.ts) then sets it
 * aside and rebuilds it from the journals.
 */
export function openIndexDatabase(path: string): DatabaseSync {
  let db: DatabaseSync | null = null;
  try {
    if (path !== ':memory:') {
      ensurePrivateDir(dirname(path));
      // Finals are in here: owner-only, and SQLite gives its -wal and -shm the database's mode.
      ensurePrivateFile(path, { create: true });
      for (const sidecar of INDEX_SIDECARS) ensurePrivateFile(`${path}${sidecar}`);
    }
    db = new DatabaseSync(path);
    db.exec(HISTORY_SCHEMA);
    assertIntact(db);
    const columns = db.prepare('PRAGMA table_info(segments)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'source')) db.exec(SEGMENT_SOURCE_MIGRATION);
    return db;
  } catch (error) {
    closeQuietly(db);
    throw new EarshotError('STORAGE_FAILED', `The history index at ${path} could not be opened: ${describe(error)}`, {
      cause: error,
    });
  }
}

/**
 * A database whose pages are damaged (a truncated file, a bad sector) may still open and
 * answer simple queries; quick_check reads every page, so the damage shows at start, where
 * rebuilding is cheap, not halfway through a search.
 */
function assertIntact(db: DatabaseSync): void {
  const rows = db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
  const problems = rows.map((row) => row.quick_check).filter((result) => result !== 'ok');
  if (problems.length > 0) throw new Error(`the database is damaged: ${problems.slice(0, 3).join('; ')}`);
}

function closeQuietly(db: DatabaseSync | null): void {
  if (!db?.isOpen) return;
  try {
    db.close();
  } catch (error) {
    log.debug('closing a failed history index', error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
