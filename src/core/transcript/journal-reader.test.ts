import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatJournalLine, JOURNAL_VERSION, parseJournalLine } from '../../shared/journal-record.ts';
import type { Segment } from '../../shared/transcript.ts';
import { Journal } from './journal.ts';
import { readJournal, recoverInterruptedSessions } from './journal-reader.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-journal-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const STARTED_AT = 1_767_258_000_000;

function final(n: number, text: string): Segment {
  return { segmentId: `seg-${n}`, text, isFinal: true, startMs: n * 1000, endMs: n * 1000 + 800 };
}

function open(sessionId: string): Journal {
  return Journal.open(dir, {
    sessionId,
    startedAt: STARTED_AT,
    provider: 'local',
    deviceKey: 'ALSA:earshot_mic_b',
    deviceName: 'Mic B',
    sampleRate: 16_000,
  });
}

describe('journal writer and reader', () => {
  it('read back what the journal wrote: header, finals, title and a clean end', async () => {
    const journal = open('session-a');
    journal.appendState('streaming');
    journal.appendFinal(final(1, 'hello there'));
    journal.appendTitle('Stand-up');
    journal.appendFinal(final(2, 'general kenobi'));
    await journal.close(STARTED_AT + 60_000);

    const lines = readFileSync(journal.path, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => parseJournalLine(line)?.type)).toEqual([
      'header',
      'state',
      'final',
      'title',
      'final',
      'end',
    ]);
    const contents = readJournal(journal.path);
    expect(contents?.header).toEqual({
      type: 'header',
      version: JOURNAL_VERSION,
      sessionId: 'session-a',
      startedAt: STARTED_AT,
      provider: 'local',
      deviceKey: 'ALSA:earshot_mic_b',
      deviceName: 'Mic B',
      sampleRate: 16_000,
    });
    expect(contents?.segments).toEqual([final(1, 'hello there'), final(2, 'general kenobi')]);
    expect(contents?.title).toBe('Stand-up');
    expect(contents?.endedAt).toBe(STARTED_AT + 60_000);
    expect(contents?.recovered).toBe(false);
    expect(contents?.skippedLines).toBe(0);
  });

  it('skips and counts a torn line, a foreign record and a malformed final, and keeps the rest', () => {
    const journal = open('session-b');
    journal.appendFinal(final(1, 'before the crash'));
    // A crash mid-write leaves half a line; the next write starts on a line of its own.
    appendFileSync(journal.path, formatJournalLine({ type: 'final', at: 1, segment: final(2, 'torn') }).slice(0, 25));
    appendFileSync(journal.path, '\n{"type":"bookmark","at":5}\n');
    appendFileSync(journal.path, '{"type":"final","at":6,"segment":{"segmentId":"seg-9"}}\n');
    journal.appendFinal(final(3, 'after the crash'));
    journal.appendFinal(final(3, 'after the crash'));

    const contents = readJournal(journal.path);
    expect(contents?.segments.map((s) => s.text)).toEqual(['before the crash', 'after the crash']);
    expect(contents?.skippedLines).toBe(3);
    expect(contents?.endedAt).toBeNull();
  });

  it('has nothing to read in a file without a header', () => {
    const path = join(dir, 'headless.jsonl');
    writeFileSync(path, formatJournalLine({ type: 'final', at: 1, segment: final(1, 'orphan') }));
    expect(readJournal(path)).toBeNull();
    expect(readJournal(join(dir, 'missing.jsonl'))).toBeNull();
  });

  it('seals an interrupted session once, at the time of its last record', () => {
    const journal = open('session-c');
    journal.appendFinal(final(1, 'cut off'));
    appendFileSync(journal.path, '{"type":"fin'); // the process died mid-line
    const lastAt = readJournal(journal.path)!.lastAt;

    const sealed = recoverInterruptedSessions(dir);
    expect(sealed.map((c) => [c.header.sessionId, c.endedAt, c.recovered])).toEqual([['session-c', lastAt, true]]);
    const reread = readJournal(journal.path);
    expect(reread?.endedAt).toBe(lastAt);
    expect(reread?.recovered).toBe(true);
    expect(reread?.skippedLines).toBe(1);
    expect(recoverInterruptedSessions(dir)).toEqual([]);
  });
});
