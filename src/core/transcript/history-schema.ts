/**
 * How long SQLite waits for a lock another connection holds before it reports SQLITE_BUSY.
 * WAL lets readers and the writer work at once; the timeout covers checkpoints and a second
 * connection (another tool reading the index) instead of failing at once.
 */
export const BUSY_TIMEOUT_MS = 5_000;

/** The history index's settings and tables. `segments_fts` is an FTS5 index over the finals' text. */
export const HISTORY_SCHEMA = `
PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  custom_title INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  duration_ms REAL NOT NULL,
  segment_count INTEGER NOT NULL,
  provider TEXT NOT NULL,
  recovered INTEGER NOT NULL,
  journal_path TEXT,
  journal_size INTEGER,
  journal_mtime REAL
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started_at);
CREATE INDEX IF NOT EXISTS sessions_journal ON sessions (journal_path);
CREATE TABLE IF NOT EXISTS segments (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  segment_id TEXT NOT NULL,
  text TEXT NOT NULL,
  start_ms REAL,
  end_ms REAL,
  words TEXT,
  source TEXT,
  PRIMARY KEY (session_id, seq)
);
CREATE VIRTUAL TABLE IF NOT EXISTS segments_fts USING fts5(
  text, session_id UNINDEXED, seq UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'
);
`;

/**
 * Indexes made before meeting mode lack `segments.source` (who spoke; NULL is the microphone,
 * which every segment of theirs was): added in place, nothing to rebuild.
 */
export const SEGMENT_SOURCE_MIGRATION = 'ALTER TABLE segments ADD COLUMN source TEXT';

export interface SessionRow {
  id: string;
  title: string;
  custom_title: number;
  started_at: number;
  ended_at: number | null;
  duration_ms: number;
  segment_count: number;
  provider: string;
  recovered: number;
  journal_path: string | null;
  journal_size: number | null;
  journal_mtime: number | null;
}

/**
 * A person's search words → FTS5 terms, one per word, each a quoted prefix ("quart" finds
 * "quarterly"). Quoting makes FTS5 syntax in the input (AND, NEAR, quotes, colons) plain
 * text, so a query can never be invalid.
 */
export function toFtsTerms(input: string): string[] {
  const words = input.match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, 20).map((w) => `"${w}"*`);
}
