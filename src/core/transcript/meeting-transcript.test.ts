import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatJournalLine, parseJournalLine } from '../../shared/journal-record.ts';
import { sourceOf, type Segment } from '../../shared/transcript.ts';
import { exportTranscript, parseTranscriptJson } from './export.ts';
import { HistoryStore } from './history-store.ts';
import { readJournal } from './journal-reader.ts';
import { Journal } from './journal.ts';

/** A meeting as its journal holds it: each speaker's finals as they arrived (the mic's came first). */
const meeting: Segment[] = [
  { segmentId: 'seg-1', text: 'sounds good to me', isFinal: true, startMs: 4_000, endMs: 5_200, source: 'mic' },
  {
    segmentId: 'system-seg-1',
    text: 'shall we look at the budget',
    isFinal: true,
    startMs: 1_000,
    endMs: 3_000,
    source: 'system',
  },
  {
    segmentId: 'system-seg-2',
    text: 'the budget is done',
    isFinal: true,
    startMs: 6_000,
    endMs: 7_000,
    source: 'system',
  },
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-meeting-transcript-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function writeMeeting(id = 'm1'): Promise<string> {
  const journal = Journal.open(join(dir, 'journal'), {
    sessionId: id,
    startedAt: 1_700_000_000_000,
    provider: 'local',
    deviceKey: 'headset',
    deviceName: 'Headset',
    sampleRate: 16_000,
  });
  for (const s of meeting) journal.appendFinal(s);
  await journal.close();
  return journal.path;
}

describe('a meeting transcript: every segment keeps its speaker', () => {
  it('journal: finals keep `source`; a journal line from before meeting mode reads as the microphone', async () => {
    const contents = readJournal(await writeMeeting())!;
    expect(contents.segments.map((s) => s.source)).toEqual(['mic', 'system', 'system']);
    const old = parseJournalLine('{"type":"final","at":1,"segment":{"segmentId":"seg-1","text":"hi","isFinal":true}}');
    expect(old?.type === 'final' && sourceOf(old.segment)).toBe('mic');
    const line = formatJournalLine({ type: 'final', at: 1, segment: meeting[1]! });
    expect(parseJournalLine(line.trim())).toMatchObject({ segment: { source: 'system' } });
  });

  it('exports: TXT You:/Others: in spoken order, SRT and VTT voice tags, JSON source', () => {
    expect(exportTranscript(meeting, 'txt')).toBe(
      'Others: shall we look at the budget\nYou: sounds good to me\nOthers: the budget is done\n',
    );
    const vtt = exportTranscript(meeting, 'vtt');
    expect(vtt).toContain('00:00:01.000 --> 00:00:03.000\n<v Others>shall we look at the budget\n');
    expect(vtt).toContain('<v You>sounds good to me');
    expect(exportTranscript(meeting, 'srt')).toMatch(/^1\n00:00:01,000 --> 00:00:03,000\n<v Others>shall we/);
    const json = parseTranscriptJson(exportTranscript(meeting, 'json'));
    expect(json.segments.map((s) => [s.source, s.startMs])).toEqual([
      ['system', 1_000],
      ['mic', 4_000],
      ['system', 6_000],
    ]);
  });

  it('a microphone-only transcript exports exactly as before (no labels, no voice tags)', () => {
    const alone = meeting.filter((s) => s.source === 'mic').map(({ source: _source, ...s }) => s);
    expect(exportTranscript(alone, 'txt')).toBe('sounds good to me\n');
    expect(exportTranscript(alone, 'vtt')).not.toContain('<v ');
  });

  it('History: spoken order, source per segment, search by speaker', async () => {
    const store = HistoryStore.open(join(dir, 'history.sqlite'));
    try {
      store.indexJournal(await writeMeeting());
      expect(store.open('m1').segments.map((s) => [s.source, s.text])).toEqual([
        ['system', 'shall we look at the budget'],
        ['mic', 'sounds good to me'],
        ['system', 'the budget is done'],
      ]);
      expect(store.search('budget').map((s) => s.id)).toEqual(['m1']);
      expect(store.search('budget', 'system').map((s) => s.id)).toEqual(['m1']);
      expect(store.search('budget', 'mic')).toEqual([]);
      expect(store.search('sounds', 'mic').map((s) => s.id)).toEqual(['m1']);
    } finally {
      store.close();
    }
  });

  it('an index built before meeting mode (no source column) gains it in place; its segments are the mic', async () => {
    const path = join(dir, 'old.sqlite');
    writeFileSync(path, '');
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE segments (session_id TEXT NOT NULL, seq INTEGER NOT NULL, segment_id TEXT NOT NULL,
      text TEXT NOT NULL, start_ms REAL, end_ms REAL, words TEXT, PRIMARY KEY (session_id, seq))`);
    old.close();
    const store = HistoryStore.open(path);
    try {
      store.indexJournal(await writeMeeting('m2'));
      expect(store.search('sounds', 'mic').map((s) => s.id)).toEqual(['m2']);
    } finally {
      store.close();
    }
  });
});
