import { describe, expect, it } from 'vitest';
import { formatJournalLine, JOURNAL_VERSION, parseJournalLine, type JournalRecord } from './journal-record.ts';

const records: JournalRecord[] = [
  {
    type: 'header',
    version: JOURNAL_VERSION,
    sessionId: '20260101-090000-aaaaaa',
    startedAt: 1_767_258_000_000,
    provider: 'local',
    deviceKey: 'ALSA:earshot_mic_b',
    deviceName: 'Mic B',
    sampleRate: 16_000,
  },
  { type: 'state', at: 1_767_258_000_100, state: 'streaming' },
  {
    type: 'final',
    at: 1_767_258_002_000,
    segment: {
      segmentId: 'seg-1',
      text: 'hello there',
      isFinal: true,
      startMs: 100,
      endMs: 900,
      words: [{ text: 'hello', startMs: 100, endMs: 400 }],
    },
  },
  {
    type: 'final',
    at: 1_767_258_002_500,
    segment: { segmentId: 'seg-2', text: 'and the last', isFinal: true, startMs: 1_000 },
    promoted: true,
  },
  { type: 'title', at: 1_767_258_003_000, title: 'Stand-up' },
  { type: 'end', at: 1_767_258_004_000, endedAt: 1_767_258_004_000 },
  { type: 'end', at: 1_767_258_005_000, endedAt: 1_767_258_004_000, recovered: true },
];

describe('journal records', () => {
  it('read back exactly as they were written, one line each', () => {
    for (const record of records) {
      const line = formatJournalLine(record);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(parseJournalLine(line.slice(0, -1))).toEqual(record);
    }
  });

  it('refuse a line torn by a crash, a foreign record and a field of the wrong type', () => {
    const final = formatJournalLine(records[2]!).slice(0, -1);
    expect(parseJournalLine(final.slice(0, 30))).toBeNull();
    expect(parseJournalLine('{"type":"bookmark","at":1}')).toBeNull();
    expect(
      parseJournalLine('{"type":"final","at":1,"segment":{"segmentId":"s","text":"x","isFinal":false}}'),
    ).toBeNull();
    expect(parseJournalLine('{"type":"title","at":"yesterday","title":"x"}')).toBeNull();
    expect(parseJournalLine('{"type":"header","sessionId":"s","startedAt":1}')).toBeNull();
    expect(parseJournalLine('null')).toBeNull();
    expect(parseJournalLine('42')).toBeNull();
  });

  it('keep what this build understands of a record that carries more', () => {
    const line = '{"type":"title","at":5,"title":"Retro","by":"a newer Earshot"}';
    expect(parseJournalLine(line)).toEqual({ type: 'title', at: 5, title: 'Retro' });
  });
});
