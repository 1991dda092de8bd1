import { rmSync, statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { EarshotError } from '../../shared/errors.ts';
import type { SessionDetail, SessionSummary } from '../../shared/history.ts';
import { inSpokenOrder, type Segment, type SpeakerSource } from '../../shared/transcript.ts';
import { createLogger } from '../../platform/log/logger.ts';
import {
  inspectJournal,
  listJournalFiles,
  recoverInterruptedSessions,
  type JournalContents,
} from './journal-reader.ts';
import { appendTitle, defaultTitle, toSummary } from './history-rows.ts';
import { openIndexDatabase } from './history-database.ts';
import { toFtsTerms, type SessionRow } from './history-schema.ts';

const log = createLogger('history');

/** A journal left out of the index, and why (it is named to the person, never deleted). */
export interface SkippedJournal {
  readonly path: string;
  readonly reason: string;
}

/** What syncing the index with the journal folder did. */
export interface JournalSync {
  readonly indexed: number;
  /** Interrupted sessions sealed now (crash, kill). */
  readonly recovered: SessionSummary[];
  readonly skipped: SkippedJournal[];
  /** Journals listed although their header was damaged or missing. */
  readonly repaired: string[];
}

/**
 * Past sessions, searchable: an SQLite index (node:sqlite, FTS5 over the finals) built from
 * the journals. The journals stay the source of truth: the index can always be rebuilt from
 * them, renames are appended to the journal as well, and deleting a session deletes its
 * journal.
 *
 * One job, the index's whole life (sync, list, search, open, rename, delete), a little over
 * 300 lines: its schema, rows and database opening already live in history-schema.ts,
 * history-rows.ts and history-database.ts.
 *
 * ```ts
 * const history = HistoryStore.open(join(userData, 'history.sqlite'));
 * const { recovered } = history.syncJournals(journalDir); // at app start
 * history.indexJournal(session.journalPath);              // after each session
 * history.search('quarterly numbers');
 * ```
 */
export class HistoryStore {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Opens (creating if needed) the index at `path`; ':memory:' for a throwaway one. Throws
   * STORAGE_FAILED when the file is not a sound SQLite database (not SQLite at all, truncated,
   * damaged pages) or cannot be opened; openHistory() (history-open.ts) then sets it aside and
   * rebuilds it from the journals.
   */
  static open(path: string): HistoryStore {
    return new HistoryStore(openIndexDatabase(path));
  }

  close(): void {
    this.#db.close();
  }

  /**
   * Seals interrupted sessions (crash, kill) and indexes every journal that is new or changed.
   * `running`: ids of sessions in progress right now, which must not be sealed.
   */
  syncJournals(journalDir: string, running: ReadonlySet<string> = new Set()): JournalSync {
    const sealed = recoverInterruptedSessions(journalDir, running);
    const recovered = sealed.map((contents) => this.#upsert(contents));
    let indexed = recovered.length;
    const recoveredIds = new Set(recovered.map((s) => s.id));
    const skipped: SkippedJournal[] = [];
    const repaired = sealed.filter((contents) => contents.headerRepaired).map((contents) => contents.path);
    for (const path of listJournalFiles(journalDir)) {
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      const row = this.#db
        .prepare('SELECT journal_size AS size, journal_mtime AS mtime, id FROM sessions WHERE journal_path = ?')
        .get(path) as { size: number; mtime: number; id: string } | undefined;
      if (row && ((row.size === stat.size && row.mtime === stat.mtimeMs) || recoveredIds.has(row.id))) continue;
      // One bad file costs only itself: it is named in a notice and the others still load.
      const read = inspectJournal(path);
      if (!read.ok) {
        skipped.push({ path, reason: read.reason });
        continue;
      }
      if (read.contents.headerRepaired) repaired.push(path);
      this.#upsert(read.contents);
      indexed += 1;
    }
    return { indexed, recovered, skipped, repaired };
  }

  /** Indexes (or re-indexes) one journal; null when it holds no readable session. */
  indexJournal(path: string): SessionSummary | null {
    const read = inspectJournal(path);
    if (read.ok) return this.#upsert(read.contents);
    log.warn('journal not indexed', { path, reason: read.reason });
    return null;
  }

  list(): SessionSummary[] {
    const rows = this.#db.prepare('SELECT * FROM sessions ORDER BY started_at DESC').all() as unknown as SessionRow[];
    return rows.map(toSummary);
  }

  /**
   * Sessions whose finals (or title) hold every word of `query` (prefixes count; the words may
   * be in different finals), best match first, each with a snippet around a match. With
   * `speaker`, only what that speaker said counts ('mic': You, 'system': Others), titles not.
   */
  search(query: string, speaker?: SpeakerSource): SessionSummary[] {
    const terms = toFtsTerms(query);
    if (terms.length === 0) return [];
    // By speaker: only finals that speaker said count (no source: the microphone's).
    const bySpeaker =
      speaker === undefined
        ? ''
        : `AND EXISTS (SELECT 1 FROM segments s WHERE s.session_id = segments_fts.session_id AND s.seq = segments_fts.seq
             AND COALESCE(s.source, 'mic') = ?)`;
    const matchTerm = this.#db.prepare(
      `SELECT session_id AS id, snippet(segments_fts, 0, '[', ']', '…', 12) AS snippet, bm25(segments_fts) AS rank
       FROM segments_fts WHERE segments_fts MATCH ? ${bySpeaker} ORDER BY rank LIMIT 2000`,
    );
    // Rank by the first word's best hit; keep sessions that hold every other word too.
    type Hit = { snippet: string; rank: number };
    let candidates: [string, Hit][] | null = null;
    for (const term of terms) {
      const hits = (speaker === undefined ? matchTerm.all(term) : matchTerm.all(term, speaker)) as ({
        id: string;
      } & Hit)[];
      const found = new Map<string, Hit>();
      for (const hit of hits) if (!found.has(hit.id)) found.set(hit.id, { snippet: hit.snippet, rank: hit.rank });
      candidates = candidates === null ? [...found] : candidates.filter(([id]) => found.has(id));
    }
    const ranked = [...(candidates ?? [])].sort((a, b) => a[1].rank - b[1].rank);
    const best = new Map(ranked.map(([id, hit]) => [id, hit.snippet]));
    const like = `%${query.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const titled = this.#db.prepare("SELECT id, title FROM sessions WHERE title LIKE ? ESCAPE '\\'").all(like) as {
      id: string;
      title: string;
    }[];
    if (speaker === undefined) for (const t of titled) if (!best.has(t.id)) best.set(t.id, t.title);
    const out: SessionSummary[] = [];
    for (const [id, snippet] of best) {
      const row = this.#row(id);
      if (row) out.push({ ...toSummary(row), snippet });
    }
    return out;
  }

  open(id: string): SessionDetail {
    const row = this.#row(id);
    if (!row) throw new EarshotError('SESSION_NOT_FOUND');
    const segments = this.#db
      .prepare(
        'SELECT segment_id, text, start_ms, end_ms, words, source FROM segments WHERE session_id = ? ORDER BY seq',
      )
      .all(id) as {
      source: string | null;
      segment_id: string;
      text: string;
      start_ms: number | null;
      end_ms: number | null;
      words: string | null;
    }[];
    return {
      summary: toSummary(row),
      segments: segments.map((s) => ({
        segmentId: s.segment_id,
        text: s.text,
        isFinal: true as const,
        ...(s.start_ms === null ? {} : { startMs: s.start_ms }),
        ...(s.end_ms === null ? {} : { endMs: s.end_ms }),
        ...(s.words ? { words: JSON.parse(s.words) as Segment['words'] } : {}),
        ...(s.source === 'mic' || s.source === 'system' ? { source: s.source } : {}),
      })),
    };
  }

  rename(id: string, title: string): SessionSummary {
    const row = this.#row(id);
    if (!row) throw new EarshotError('SESSION_NOT_FOUND');
    const clean = title.replace(/\s+/g, ' ').trim();
    if (!clean) throw new EarshotError('USAGE', 'A session title cannot be empty.');
    this.#db.prepare('UPDATE sessions SET title = ?, custom_title = 1 WHERE id = ?').run(clean, id);
    // The journal is the source of truth: a rebuilt index must keep the new title.
    if (row.journal_path) appendTitle(row.journal_path, clean);
    const stat = row.journal_path ? statSync(row.journal_path, { throwIfNoEntry: false }) : undefined;
    if (stat)
      this.#db
        .prepare('UPDATE sessions SET journal_size = ?, journal_mtime = ? WHERE id = ?')
        .run(stat.size, stat.mtimeMs, id);
    return toSummary(this.#row(id)!);
  }

  /** Removes the session from the index and deletes its journal. */
  delete(id: string): void {
    const row = this.#row(id);
    if (!row) throw new EarshotError('SESSION_NOT_FOUND');
    if (row.journal_path) {
      try {
        rmSync(row.journal_path, { force: true });
      } catch (error) {
        throw new EarshotError(
          'STORAGE_FAILED',
          `The session's journal could not be deleted: ${(error as Error).message}`,
        );
      }
    }
    this.#db.exec('BEGIN');
    try {
      this.#db.prepare('DELETE FROM segments_fts WHERE session_id = ?').run(id);
      this.#db.prepare('DELETE FROM segments WHERE session_id = ?').run(id);
      this.#db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #row(id: string): SessionRow | undefined {
    return this.#db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as unknown as SessionRow | undefined;
  }

  #upsert(contents: JournalContents): SessionSummary {
    const { header } = contents;
    // A meeting's journal holds each speaker's finals as they arrived: History keeps them as spoken.
    const segments = contents.segments.some((s) => s.source === 'system')
      ? inSpokenOrder(contents.segments)
      : contents.segments;
    const existing = this.#row(header.sessionId);
    const title =
      contents.title ??
      (existing?.custom_title ? existing.title : null) ??
      header.title ??
      defaultTitle(segments, header.startedAt);
    const lastEnd = segments.reduce((max, s) => Math.max(max, s.endMs ?? 0), 0);
    const endedAt = contents.endedAt;
    const durationMs = Math.max(lastEnd, endedAt !== null ? endedAt - header.startedAt : 0);
    const stat = statSync(contents.path, { throwIfNoEntry: false });
    this.#db.exec('BEGIN');
    try {
      this.#db.prepare('DELETE FROM segments_fts WHERE session_id = ?').run(header.sessionId);
      this.#db.prepare('DELETE FROM segments WHERE session_id = ?').run(header.sessionId);
      this.#db
        .prepare(
          `INSERT INTO sessions (id, title, custom_title, started_at, ended_at, duration_ms, segment_count, provider, recovered, journal_path, journal_size, journal_mtime)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET title = excluded.title, custom_title = excluded.custom_title, ended_at = excluded.ended_at,
             duration_ms = excluded.duration_ms, segment_count = excluded.segment_count, recovered = excluded.recovered,
             journal_path = excluded.journal_path, journal_size = excluded.journal_size, journal_mtime = excluded.journal_mtime`,
        )
        .run(
          header.sessionId,
          title,
          contents.title !== null || existing?.custom_title ? 1 : 0,
          header.startedAt,
          endedAt,
          durationMs,
          segments.length,
          header.provider,
          contents.recovered ? 1 : 0,
          contents.path,
          stat?.size ?? 0,
          stat?.mtimeMs ?? 0,
        );
      const insertSegment = this.#db.prepare(
        'INSERT INTO segments (session_id, seq, segment_id, text, start_ms, end_ms, words, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const insertFts = this.#db.prepare('INSERT INTO segments_fts (text, session_id, seq) VALUES (?, ?, ?)');
      segments.forEach((s, seq) => {
        insertSegment.run(
          header.sessionId,
          seq,
          s.segmentId,
          s.text,
          s.startMs ?? null,
          s.endMs ?? null,
          s.words ? JSON.stringify(s.words) : null,
          s.source ?? null,
        );
        insertFts.run(s.text, header.sessionId, seq);
      });
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw new EarshotError(
        'STORAGE_FAILED',
        `Indexing session ${header.sessionId} failed: ${(error as Error).message}`,
      );
    }
    if (contents.skippedLines > 0)
      log.warn('journal had unreadable lines (torn by a crash?)', {
        path: contents.path,
        lines: contents.skippedLines,
      });
    return toSummary(this.#row(header.sessionId)!);
  }
}
