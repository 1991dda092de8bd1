import { closeSync, fdatasync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, type ErrorCode } from '../../shared/errors.ts';
import {
  formatJournalLine,
  JOURNAL_VERSION,
  type JournalHeader,
  type JournalRecord,
} from '../../shared/journal-record.ts';
import type { SessionState } from '../../shared/session.ts';
import type { Segment } from '../../shared/transcript.ts';
import { createLogger } from '../../platform/log/logger.ts';

export interface StorageWarning {
  readonly code: Extract<ErrorCode, 'STORAGE_FULL' | 'STORAGE_READ_ONLY' | 'STORAGE_FAILED'>;
  readonly message: string;
}

export function journalFileName(sessionId: string): string {
  return `${sessionId}.jsonl`;
}

const log = createLogger('journal');

/**
 * What a session writes its run to: a Journal, or a view of one shared by several sessions
 * (meeting mode: the microphone's and system audio's sessions write one file).
 */
export interface JournalSink {
  readonly path: string;
  appendFinal(segment: Segment, promoted?: boolean): void;
  appendState(state: SessionState): void;
  close(): Promise<void>;
}

/**
 * The session journal: one append-only JSON Lines file per session, the transcript's
 * source of truth on disk. Line 1 is the header; then finals and state changes; a clean
 * stop writes `end` (the records: shared/journal-record.ts). A file without `end` belongs
 * to a session that was interrupted (crash, kill -9, power loss) and is sealed on the next
 * start (recoverInterruptedSessions in journal-reader.ts).
 *
 * Durability: each line is written with one synchronous write() before the session
 * publishes the final, so killing the process never loses a final that was shown; an
 * fdatasync follows in the background so an OS crash loses at most the last moments.
 *
 * Storage failures never stop the transcript: the line stays in memory, the session gets a
 * STORAGE_FULL / STORAGE_READ_ONLY / STORAGE_FAILED warning, and every later append tries
 * to write the backlog again, so nothing is lost if space comes back.
 */
export class Journal implements JournalSink {
  readonly path: string;
  readonly sessionId: string;
  readonly #dir: string;
  readonly #onWarning: (warning: StorageWarning) => void;
  readonly #onRecovered: () => void;
  #fd: number | null = null;
  /** Lines not yet on disk, oldest first (header included until it is written). */
  #backlog: string[] = [];
  #failing = false;
  /** A failed write may have left half a line; the next write starts with a newline to end it. */
  #mayBeTorn = false;
  #closed = false;
  #syncs = 0;
  #syncWaiters: (() => void)[] = [];

  private constructor(dir: string, sessionId: string, onWarning: (w: StorageWarning) => void, onRecovered: () => void) {
    this.#dir = dir;
    this.sessionId = sessionId;
    this.path = join(dir, journalFileName(sessionId));
    this.#onWarning = onWarning;
    this.#onRecovered = onRecovered;
  }

  /** Creates the session's file and writes the header. Storage problems become warnings, never throws. */
  static open(
    dir: string,
    header: Omit<JournalHeader, 'type' | 'version'>,
    hooks: { onWarning?: (w: StorageWarning) => void; onRecovered?: () => void } = {},
  ): Journal {
    const journal = new Journal(dir, header.sessionId, hooks.onWarning ?? (() => {}), hooks.onRecovered ?? (() => {}));
    journal.#append({ type: 'header', version: JOURNAL_VERSION, ...header }, false);
    return journal;
  }

  /** True while lines are waiting in memory because the disk refused them. */
  get failing(): boolean {
    return this.#failing;
  }

  /** `promoted`: words that were still a partial when the session had to end (never confirmed by the service). */
  appendFinal(segment: Segment, promoted = false): void {
    this.#append({ type: 'final', at: Date.now(), segment, ...(promoted ? { promoted: true } : {}) }, true);
  }

  appendState(state: SessionState): void {
    this.#append({ type: 'state', at: Date.now(), state }, false);
  }

  appendTitle(title: string): void {
    this.#append({ type: 'title', at: Date.now(), title }, false);
  }

  /** Writes `end`, waits for pending syncs and closes the file. Idempotent. */
  async close(endedAt: number = Date.now()): Promise<void> {
    if (this.#closed) return;
    this.#append({ type: 'end', at: Date.now(), endedAt }, true);
    this.#closed = true;
    await this.#whenSynced();
    if (this.#fd !== null) {
      try {
        closeSync(this.#fd);
      } catch (error) {
        log.warn('closing the journal failed', { path: this.path, message: (error as Error).message });
      }
      this.#fd = null;
    }
    if (this.#backlog.length > 0)
      log.error('journal closed with unsaved lines', { path: this.path, lines: this.#backlog.length });
  }

  #append(record: JournalRecord, sync: boolean): void {
    if (this.#closed) return;
    this.#backlog.push(formatJournalLine(record));
    this.#flushBacklog(sync);
  }

  #flushBacklog(sync: boolean): void {
    try {
      if (this.#fd === null) {
        mkdirSync(this.#dir, { recursive: true });
        this.#fd = openSync(this.path, 'a', 0o600);
      }
      if (this.#mayBeTorn) {
        writeSync(this.#fd, '\n');
        this.#mayBeTorn = false;
      }
      while (this.#backlog.length > 0) {
        const line = Buffer.from(this.#backlog[0]!, 'utf8');
        let written = 0;
        while (written < line.length) written += writeSync(this.#fd, line, written, line.length - written);
        this.#backlog.shift();
      }
    } catch (error) {
      this.#onWriteError(error as NodeJS.ErrnoException);
      return;
    }
    if (this.#failing) {
      this.#failing = false;
      log.info('journal writable again; backlog saved', { path: this.path });
      this.#onRecovered();
    }
    if (sync) this.#syncInBackground();
  }

  #onWriteError(error: NodeJS.ErrnoException): void {
    this.#mayBeTorn = this.#fd !== null;
    if (this.#failing) return;
    this.#failing = true;
    const warning = storageWarning(error, this.path);
    log.error('journal write failed', { path: this.path, code: error.code, message: error.message });
    this.#onWarning(warning);
  }

  #syncInBackground(): void {
    const fd = this.#fd;
    if (fd === null) return;
    this.#syncs += 1;
    fdatasync(fd, (error) => {
      this.#syncs -= 1;
      if (error) log.warn('journal fdatasync failed', { path: this.path, message: error.message });
      if (this.#syncs === 0) for (const resolve of this.#syncWaiters.splice(0)) resolve();
    });
  }

  #whenSynced(): Promise<void> {
    if (this.#syncs === 0) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }
}

export function storageWarning(error: NodeJS.ErrnoException, path: string): StorageWarning {
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return { code: 'STORAGE_FULL', message: `${errorMessage('STORAGE_FULL')} (${path})` };
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return { code: 'STORAGE_READ_ONLY', message: `${errorMessage('STORAGE_READ_ONLY')} (${path})` };
    default:
      return {
        code: 'STORAGE_FAILED',
        message: `${errorMessage('STORAGE_FAILED')} (${error.code ?? error.message}: ${path})`,
      };
  }
}
