import { join } from 'node:path';
import { expect } from 'vitest';
import { exportTranscript, parseTranscriptJson, parseTxt, timedCues } from '../../src/core/transcript/export.ts';
import { HistoryStore } from '../../src/core/transcript/history-store.ts';
import { readJournal, type JournalContents } from '../../src/core/transcript/journal-reader.ts';
import type { CliEvent } from './cli-process.ts';
import { samplesToMs, type ProgramSpan } from './utterance-timing.ts';

/**
 * Assertions shared by the end-to-end tests over what `earshot transcribe --format jsonl`
 * printed, what it journaled and what can be exported from it.
 */
export interface PrintedFinal {
  readonly segmentId: string;
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
}

export function printedFinals(events: readonly CliEvent[]): PrintedFinal[] {
  return events
    .filter((e) => e.type === 'final' && typeof e['text'] === 'string' && e['text'].length > 0)
    .map((e) => ({
      segmentId: e['segmentId'] as string,
      text: e['text'] as string,
      startMs: e['startMs'] as number,
      endMs: e['endMs'] as number,
    }));
}

export function sessionIdOf(events: readonly CliEvent[]): string {
  const state = events.find((e) => e.type === 'state' && typeof e['sessionId'] === 'string');
  if (!state) throw new Error('no state line with a sessionId was printed');
  return state['sessionId'] as string;
}

export function states(events: readonly CliEvent[]): string[] {
  return events.filter((e) => e.type === 'state').map((e) => e['state'] as string);
}

/**
 * Exactly one final per played utterance, in order: the counts agree and each final's start
 * (session audio time) sits on its own utterance's onset once the constant offset between
 * session audio and the played program is removed (median over utterances, so one stray
 * final cannot define it). `toleranceMs` covers the model's emission delay and padding.
 */
export function expectOneFinalPerUtterance(
  finals: readonly PrintedFinal[],
  spans: readonly ProgramSpan[],
  toleranceMs = 600,
): { offsetMs: number; deviationsMs: number[] } {
  expect(
    finals.map((f) => f.text),
    `one final per utterance (${spans.length} played)`,
  ).toHaveLength(spans.length);
  const diffs = finals.map((f, i) => f.startMs - samplesToMs(spans[i]!.onset));
  const sorted = [...diffs].sort((a, b) => a - b);
  const offsetMs = sorted[Math.floor(sorted.length / 2)]!;
  const deviationsMs = diffs.map((d) => Math.round(d - offsetMs));
  for (const [i, deviation] of deviationsMs.entries())
    expect(Math.abs(deviation), `final ${i + 1} ("${finals[i]!.text}") starts on utterance ${i + 1}`).toBeLessThan(
      toleranceMs,
    );
  for (let i = 1; i < finals.length; i++) expect(finals[i]!.startMs).toBeGreaterThan(finals[i - 1]!.endMs - 1);
  return { offsetMs, deviationsMs };
}

/** The session's journal holds exactly the finals printed (ids and text, in order) and was closed cleanly. */
export function expectJournalMatches(journalDir: string, events: readonly CliEvent[]): JournalContents {
  const journal = readJournal(join(journalDir, `${sessionIdOf(events)}.jsonl`));
  expect(journal, 'the session journal exists').not.toBeNull();
  const printed = printedFinals(events);
  expect(journal!.segments.map((s) => [s.segmentId, s.text])).toEqual(printed.map((f) => [f.segmentId, f.text]));
  expect(journal!.segments.map((s) => [s.startMs, s.endMs])).toEqual(printed.map((f) => [f.startMs, f.endMs]));
  expect(journal!.endedAt, 'the journal was closed with an end record').not.toBeNull();
  expect(journal!.skippedLines).toBe(0);
  return journal!;
}

/** TXT, JSON and SRT exports of the journal, and the history index, all say what was printed. */
export function expectExportsConsistent(journal: JournalContents, historyDir: string): void {
  const texts = journal.segments.map((s) => s.text);
  expect(parseTxt(exportTranscript(journal.segments, 'txt'))).toEqual(texts);
  const json = parseTranscriptJson(exportTranscript(journal.segments, 'json', { sessionId: journal.header.sessionId }));
  expect(json.segments).toEqual(journal.segments);
  const srt = exportTranscript(journal.segments, 'srt');
  const cues = timedCues(journal.segments);
  expect(srt.match(/^\d+\r?\n\d\d:\d\d:\d\d,\d\d\d --> /gm)).toHaveLength(cues.length);
  expect(cues.map((c) => c.lines.join(' ')).join(' ')).toBe(texts.join(' '));

  const history = HistoryStore.open(join(historyDir, 'history.sqlite'));
  try {
    const summary = history.indexJournal(journal.path);
    expect(summary, 'history indexes the journal').not.toBeNull();
    expect(history.open(summary!.id).segments.map((s) => s.text)).toEqual(texts);
    const word = texts
      .join(' ')
      .split(/\s+/)
      .find((w) => /^[a-z]{4,}$/.test(w));
    if (word) expect(history.search(word).map((s) => s.id)).toContain(summary!.id);
  } finally {
    history.close();
  }
}
