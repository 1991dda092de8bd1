import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Segment } from '../../shared/transcript.ts';
import { HistoryStore } from './history-store.ts';
import { Journal } from './journal.ts';

let dir: string;
let journals: string;
let store: HistoryStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-history-'));
  journals = join(dir, 'journal');
  store = HistoryStore.open(join(dir, 'history.sqlite'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function final(n: number, text: string): Segment {
  return { segmentId: `seg-${n}`, text, isFinal: true, startMs: n * 1000, endMs: n * 1000 + 800 };
}

async function writeSession(id: string, texts: string[], startedAt: number, { close = true } = {}): Promise<string> {
  const journal = Journal.open(journals, {
    sessionId: id,
    startedAt,
    provider: 'local',
    deviceKey: null,
    deviceName: null,
    sampleRate: 16_000,
  });
  journal.appendState('streaming');
  texts.forEach((t, i) => journal.appendFinal(final(i + 1, t)));
  if (close) await journal.close(startedAt + 60_000);
  return journal.path;
}

describe('HistoryStore', () => {
  it('finds a word spoken in an earlier session', async () => {
    await writeSession(
      '20260101-090000-aaaaaa',
      ['good morning everyone', 'the quarterly numbers look strong'],
      1_767_258_000_000,
    );
    await writeSession('20260102-090000-bbbbbb', ['lunch is at noon', 'bring the projector'], 1_767_344_400_000);
    expect(store.syncJournals(journals).indexed).toBe(2);

    const hits = store.search('quarterly');
    expect(hits.map((h) => h.id)).toEqual(['20260101-090000-aaaaaa']);
    expect(hits[0]!.snippet).toContain('[quarterly]');
    // Prefixes, several words (all must match), case and accents do not matter.
    expect(store.search('QUART numb').map((h) => h.id)).toEqual(['20260101-090000-aaaaaa']);
    expect(store.search('projector noon').map((h) => h.id)).toEqual(['20260102-090000-bbbbbb']);
    expect(store.search('projector quarterly')).toEqual([]);
    // FTS syntax in the input is just text, never an error.
    expect(store.search('"NEAR( AND * :')).toEqual([]);
    expect(store.search('   ')).toEqual([]);
  });

  it('lists newest first with titles from the first words, opens, renames and deletes', async () => {
    const older = await writeSession('20260101-090000-aaaaaa', ['good morning everyone'], 1_000);
    await writeSession('20260102-090000-bbbbbb', ['lunch is at noon'], 2_000);
    store.syncJournals(journals);
    const list = store.list();
    expect(list.map((s) => s.id)).toEqual(['20260102-090000-bbbbbb', '20260101-090000-aaaaaa']);
    expect(list[1]).toMatchObject({
      title: 'good morning everyone',
      segmentCount: 1,
      recovered: false,
      provider: 'local',
      endedAt: 61_000,
    });

    const detail = store.open('20260101-090000-aaaaaa');
    expect(detail.segments).toEqual([final(1, 'good morning everyone')]);

    expect(store.rename('20260101-090000-aaaaaa', '  Stand-up   Monday ')).toMatchObject({ title: 'Stand-up Monday' });
    expect(store.search('monday').map((s) => s.id)).toEqual(['20260101-090000-aaaaaa']);
    // The title lives in the journal too: a fresh index rebuilt from journals keeps it.
    const rebuilt = HistoryStore.open(':memory:');
    rebuilt.syncJournals(journals);
    expect(rebuilt.open('20260101-090000-aaaaaa').summary.title).toBe('Stand-up Monday');
    rebuilt.close();

    store.delete('20260101-090000-aaaaaa');
    expect(existsSync(older)).toBe(false);
    expect(store.list().map((s) => s.id)).toEqual(['20260102-090000-bbbbbb']);
    expect(store.search('morning')).toEqual([]);
    expect(() => store.open('20260101-090000-aaaaaa')).toThrow(
      expect.objectContaining({ code: 'SESSION_NOT_FOUND' }) as Error,
    );
  });

  it('recovers an interrupted session once, and leaves running sessions alone', async () => {
    const crashed = await writeSession('20260103-090000-cccccc', ['we were in the middle of'], 3_000, { close: false });
    await writeSession('20260103-100000-dddddd', ['still going'], 4_000, { close: false });
    const first = store.syncJournals(journals, new Set(['20260103-100000-dddddd']));
    expect(first.recovered.map((s) => s.id)).toEqual(['20260103-090000-cccccc']);
    expect(first.recovered[0]).toMatchObject({ recovered: true, segmentCount: 1 });
    expect(readFileSync(crashed, 'utf8')).toContain('"recovered":true');
    expect(store.syncJournals(journals, new Set(['20260103-100000-dddddd'])).recovered).toEqual([]);
    expect(store.list().find((s) => s.id === '20260103-100000-dddddd')?.recovered).toBe(false);
  });

  it('re-indexes a journal that grew and skips unchanged ones', async () => {
    const path = await writeSession('20260104-090000-eeeeee', ['one'], 5_000);
    expect(store.syncJournals(journals).indexed).toBe(1);
    expect(store.syncJournals(journals).indexed).toBe(0);
    expect(store.indexJournal(path)?.segmentCount).toBe(1);
  });
});
