import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Segment } from '../../shared/transcript.ts';
import { openIndexDatabase } from './history-database.ts';
import { openHistory, type OpenedHistory } from './history-open.ts';
import { BUSY_TIMEOUT_MS } from './history-schema.ts';
import { HistoryStore } from './history-store.ts';
import { Journal } from './journal.ts';

/**
 * The history index is a cache of the journals: whatever state its file is in, opening
 * History at start gives every session back, says once what happened, and never fails.
 */
let dir: string;
let journals: string;
let index: string;
const opened: OpenedHistory[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-history-open-'));
  journals = join(dir, 'journals');
  index = join(dir, 'history.sqlite');
});
afterEach(() => {
  for (const history of opened.splice(0)) history.store.close();
  rmSync(dir, { recursive: true, force: true });
});

const STARTED_AT = 1_767_258_000_000;

function final(n: number, text: string): Segment {
  return { segmentId: `seg-${n}`, text, isFinal: true, startMs: n * 1000, endMs: n * 1000 + 800 };
}

async function writeSession(id: string, texts: readonly string[], startedAt = STARTED_AT): Promise<string> {
  const journal = Journal.open(journals, {
    sessionId: id,
    startedAt,
    provider: 'local',
    deviceKey: null,
    deviceName: null,
    sampleRate: 16_000,
  });
  texts.forEach((text, i) => journal.appendFinal(final(i + 1, text)));
  await journal.close(startedAt + 60_000);
  return journal.path;
}

async function open(): Promise<OpenedHistory> {
  const history = await openHistory(index, journals, new Date('2026-02-03T04:05:06.789Z'));
  opened.push(history);
  return history;
}

/** Two sessions in the journals and an index built from them, closed as a quit leaves it. */
async function twoSessionsIndexed(): Promise<void> {
  await writeSession('20260101-090000-aaaaaa', ['the quarterly numbers look strong']);
  await writeSession('20260102-090000-bbbbbb', ['lunch is at noon'], STARTED_AT + 86_400_000);
  const store = HistoryStore.open(index);
  store.syncJournals(journals);
  store.close();
}

function titles(history: OpenedHistory): string[] {
  return history.store.list().map((s) => s.title);
}

const ASIDE = 'history.corrupt-2026-02-03T04-05-06-789Z.sqlite';

describe('opening History at start', () => {
  it('opens a sound index quietly, in WAL mode, owner-only with its WAL and SHM', async () => {
    await twoSessionsIndexed();
    chmodSync(index, 0o644); // as older builds left it
    const history = await open();
    expect(history.notices).toEqual([]);
    expect(titles(history)).toEqual(['lunch is at noon', 'the quarterly numbers look strong']);
    expect(history.store.search('quarterly')).toHaveLength(1);

    // A second connection sees what the store's own connection set up.
    const probe = new DatabaseSync(index);
    try {
      expect(probe.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    } finally {
      probe.close();
    }
    for (const file of [index, `${index}-wal`, `${index}-shm`]) expect(statSync(file).mode & 0o777, file).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('sets a busy timeout on the index connection, so a lock held elsewhere is waited for', () => {
    const db = openIndexDatabase(index);
    try {
      expect(db.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: BUSY_TIMEOUT_MS });
      expect(BUSY_TIMEOUT_MS).toBeGreaterThanOrEqual(1000);
    } finally {
      db.close();
    }
  });

  const corruptions: [string, () => void][] = [
    ['random bytes', () => writeFileSync(index, randomBytes(64 * 1024))],
    ['a file that is not SQLite', () => writeFileSync(index, 'This is not a database.\n'.repeat(200))],
    [
      'a truncated real database',
      () => {
        const size = statSync(index).size;
        truncateSync(index, Math.floor(size / 2));
      },
    ],
    [
      'a folder where the file should be',
      () => {
        rmSync(index);
        mkdirSync(index);
      },
    ],
  ];

  it.each(corruptions)(
    'sets aside %s and rebuilds every session from the journals, saying so once',
    async (_, corrupt) => {
      await twoSessionsIndexed();
      corrupt();
      const history = await open();

      expect(titles(history)).toEqual(['lunch is at noon', 'the quarterly numbers look strong']);
      expect(history.store.search('noon').map((s) => s.title)).toEqual(['lunch is at noon']);
      expect(history.notices).toEqual([{ code: 'HISTORY_REBUILT', message: expect.stringContaining(ASIDE) as string }]);
      expect(history.notices[0]!.message).toMatch(/Nothing was lost/);
      expect(readdirSync(dir)).toContain(ASIDE);
      expect(statSync(index).mode & 0o777).toBe(0o600);

      // The next start finds the rebuilt index sound: nothing more to say.
      history.store.close();
      opened.splice(0);
      expect((await open()).notices).toEqual([]);
    },
  );

  it('sets the WAL and SHM aside with the index, under the same name', async () => {
    await twoSessionsIndexed();
    rmSync(index);
    mkdirSync(index); // SQLite cannot open it, so it never touches the sidecars below
    writeFileSync(`${index}-wal`, randomBytes(4096));
    writeFileSync(`${index}-shm`, randomBytes(4096));
    const history = await open();
    expect(titles(history)).toHaveLength(2);
    const stem = 'history.corrupt-2026-02-03T04-05-06-789Z';
    expect(readdirSync(dir)).toEqual(
      expect.arrayContaining([`${stem}.sqlite`, `${stem}.sqlite-wal`, `${stem}.sqlite-shm`]),
    );
    expect(statSync(join(dir, `${stem}.sqlite-wal`)).size).toBe(4096);
  });

  it('keeps History in memory for this run when the rebuilt index cannot be written either', async () => {
    await writeSession('20260101-090000-aaaaaa', ['still here']);
    writeFileSync(join(dir, 'not-a-folder'), '');
    index = join(dir, 'not-a-folder', 'history.sqlite'); // its folder is a file: nothing can be written there
    const history = await open();
    expect(titles(history)).toEqual(['still here']);
    expect(history.notices.map((n) => n.code)).toEqual(['HISTORY_IN_MEMORY']);
  });

  it('names each journal it cannot read, repairs a damaged header, and loads the rest', async () => {
    await twoSessionsIndexed();
    const header = {
      type: 'header',
      version: 1,
      sessionId: '20260105-090000-eeeeee',
      startedAt: STARTED_AT + 4 * 86_400_000,
      provider: 'local',
      sampleRate: 16_000, // deviceKey and deviceName are missing
    };
    const segment = final(1, 'a header without its device fields');
    writeFileSync(
      join(journals, '20260105-090000-eeeeee.jsonl'),
      `${JSON.stringify(header)}\n${JSON.stringify({ type: 'final', at: STARTED_AT + 4 * 86_400_000 + 1000, segment })}\n`,
    );
    writeFileSync(join(journals, '20260106-garbage.jsonl'), 'garbage\n\u0000\u0001 not json {\n');
    writeFileSync(join(journals, '20260107-empty.jsonl'), '');
    mkdirSync(join(journals, '20260108-folder.jsonl'));

    const history = await open();
    expect(titles(history)).toEqual([
      'a header without its device fields',
      'lunch is at noon',
      'the quarterly numbers look strong',
    ]);
    const [skipped, repaired] = history.notices;
    expect(skipped?.code).toBe('JOURNAL_SKIPPED');
    expect(skipped?.message).toMatch(/^3 saved transcript files in .* could not be read/);
    expect(skipped?.message).toContain('20260106-garbage.jsonl: none of its 2 lines is a transcript record');
    expect(skipped?.message).toContain('20260107-empty.jsonl: the file is empty');
    expect(skipped?.message).toMatch(/20260108-folder\.jsonl: it could not be read \(EISDIR/);
    expect(repaired).toEqual({
      code: 'JOURNAL_REPAIRED',
      message: expect.stringContaining('(20260105-090000-eeeeee.jsonl)') as string,
    });
    // Nothing was touched: the files are as they were.
    expect(readFileSync(join(journals, '20260106-garbage.jsonl'), 'utf8')).toBe('garbage\n\u0000\u0001 not json {\n');
    expect(existsSync(join(journals, '20260107-empty.jsonl'))).toBe(true);
  });

  it('names a single unreadable journal by its full path', async () => {
    await writeSession('20260101-090000-aaaaaa', ['fine']);
    writeFileSync(join(journals, 'broken.jsonl'), '{"type":"state"}\n');
    const history = await open();
    expect(titles(history)).toEqual(['fine']);
    expect(history.notices).toEqual([
      {
        code: 'JOURNAL_SKIPPED',
        message: expect.stringContaining(`(${join(journals, 'broken.jsonl')}: none of its 1 lines`) as string,
      },
    ]);
  });
});
